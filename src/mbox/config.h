/* SPDX-License-Identifier: MIT */
/*
 * nutss-mboxd's configuration: defaults, then the file (-c), then the
 * command line, through mbox_config_set(), as the P-Box does.
 */
#ifndef NUTSS_MBOX_CONFIG_H
#define NUTSS_MBOX_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>

#include "core/addr.h"
#include "mbox/mbox_kern_user.h"

#define MBOX_MAX_IFACES 16

enum mbox_mode { MBOX_MODE_AUTO, MBOX_MODE_TC, MBOX_MODE_XDP };

struct mbox_cfg {
	char domain[256];
	char ifaces[MBOX_MAX_IFACES][IF_NAMESIZE];
	unsigned nifaces;
	struct addr_spec pbox[MBOX_MAX_PBOX];
	unsigned npbox;
	struct addr_spec allow[MBOX_MAX_ALLOW];
	unsigned nallow;
	char data_dir[PATH_MAX];
	char pin_dir[PATH_MAX];	 /* the maps, so nutss mbox and a restart find them */
	int mode;		 /* enum mbox_mode */
	unsigned idle_timeout;	 /* seconds */
	unsigned max_lifetime;	 /* seconds */
	unsigned flows;		 /* the flow table's entries */
	unsigned discovery_rate; /* discovery replies a second per CPU; 0: none */
	char user[64];
	int log_level;
};

void mbox_config_defaults(struct mbox_cfg *c);
int mbox_config_set(struct mbox_cfg *c, const char *key, const char *value, char *err,
		    size_t errlen);
int mbox_config_load(struct mbox_cfg *c, const char *path, char *err, size_t errlen);
int mbox_config_check(const struct mbox_cfg *c, char *err, size_t errlen);
const char *mbox_mode_name(int mode);

#endif
