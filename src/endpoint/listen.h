/* SPDX-License-Identifier: MIT */
/* The accepting side; see listen.c. */
#ifndef NUTSS_ENDPOINT_LISTEN_H
#define NUTSS_ENDPOINT_LISTEN_H

#include <stdbool.h>

/* Stop the listener whose descriptor is fd (unregister, close). false when fd is none. */
bool listen_close(int fd);

#endif
