/* SPDX-License-Identifier: MIT */
/*
 * Putting the M-Box's program on an interface and taking it off: tc
 * (clsact ingress) or XDP (native, else generic). auto chooses by the
 * interface's kind (docs/mbox.md, "Attach mode"): tc on virtual ones
 * (veth: an XDP program makes the kernel copy every packet it passes), XDP
 * on NICs.
 */
#ifndef NUTSS_MBOX_ATTACH_H
#define NUTSS_MBOX_ATTACH_H

#include <stddef.h>

/* Attach (replacing ours if there); the mode used, or -1 with why filled in. */
int mbox_attach(const char *ifname, int mode, int tc_fd, int xdp_fd, char *why, size_t len);
/* Take ours off, whichever mode it is in. 0, or -1 with why. */
int mbox_detach(const char *ifname, char *why, size_t len);

#endif
