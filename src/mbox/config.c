// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "core/log.h"
#include "mbox/config.h"

void mbox_config_defaults(struct mbox_cfg *c)
{
	const char *env = getenv("NUTSS_DATA_DIR");

	memset(c, 0, sizeof(*c));
	snprintf(c->data_dir, sizeof(c->data_dir), "%s", env && *env ? env : "/var/lib/nutss");
	snprintf(c->pin_dir, sizeof(c->pin_dir), "/sys/fs/bpf/nutss");
	c->mode = MBOX_MODE_AUTO;
	c->idle_timeout = 300;
	c->max_lifetime = 86400;
	c->flows = MBOX_FLOWS_DEFAULT;
	c->discovery_rate = MBOX_DISCOVERY_PER_S;
	snprintf(c->user, sizeof(c->user), "nobody");
	c->log_level = LOG_INFO;
}

int mbox_config_set(struct mbox_cfg *c, const char *key, const char *value, char *err,
		    size_t errlen)
{
	int ret = 0;

	if (!strcmp(key, "domain")) {
		ret = !*value || strpbrk(value, " @") ? -EINVAL
						      : conf_str(c->domain, sizeof(c->domain), value);
	} else if (!strcmp(key, "iface")) {
		if (c->nifaces >= MBOX_MAX_IFACES) {
			snprintf(err, errlen, "more than %d interfaces", MBOX_MAX_IFACES);
			return -E2BIG;
		}
		ret = !*value ? -EINVAL : conf_str(c->ifaces[c->nifaces], IF_NAMESIZE, value);
		c->nifaces += !ret;
	} else if (!strcmp(key, "pbox")) {
		/* ADDR:PORT, or udp:/tcp: ADDR:PORT; without a transport both pass */
		struct addr_spec *a = &c->pbox[c->npbox];

		if (c->npbox >= MBOX_MAX_PBOX) {
			snprintf(err, errlen, "more than %d P-Boxes", MBOX_MAX_PBOX);
			return -E2BIG;
		}
		ret = addr_parse_spec(a, value) ? 0 : -EINVAL;
		c->npbox += !ret;
	} else if (!strcmp(key, "allow")) {
		struct addr_spec *a = &c->allow[c->nallow];

		if (c->nallow >= MBOX_MAX_ALLOW) {
			snprintf(err, errlen, "more than %d allow rules", MBOX_MAX_ALLOW);
			return -E2BIG;
		}
		/* tcp:ADDR:PORT or udp:ADDR:PORT: the transport is not optional here */
		ret = (strncmp(value, "tcp:", 4) && strncmp(value, "udp:", 4)) ||
				      !addr_parse_spec(a, value)
			      ? -EINVAL
			      : 0;
		c->nallow += !ret;
	} else if (!strcmp(key, "data_dir")) {
		ret = conf_str(c->data_dir, sizeof(c->data_dir), value);
	} else if (!strcmp(key, "pin_dir")) {
		ret = value[0] != '/' ? -EINVAL : conf_str(c->pin_dir, sizeof(c->pin_dir), value);
	} else if (!strcmp(key, "mode")) {
		c->mode = !strcmp(value, "auto")  ? MBOX_MODE_AUTO
			  : !strcmp(value, "tc")  ? MBOX_MODE_TC
			  : !strcmp(value, "xdp") ? MBOX_MODE_XDP
						  : -1;
		ret = c->mode < 0 ? -EINVAL : 0;
	} else if (!strcmp(key, "idle_timeout")) {
		ret = conf_uint(value, 1, 86400 * 7, &c->idle_timeout);
	} else if (!strcmp(key, "max_lifetime")) {
		ret = conf_uint(value, 1, 86400 * 365, &c->max_lifetime);
	} else if (!strcmp(key, "flows")) {
		ret = conf_uint(value, 1024, 1u << 26, &c->flows);
	} else if (!strcmp(key, "discovery_rate")) {
		ret = conf_uint(value, 0, 1000000, &c->discovery_rate);
	} else if (!strcmp(key, "user")) {
		ret = conf_str(c->user, sizeof(c->user), value);
	} else if (!strcmp(key, "log_level")) {
		c->log_level = log_level_parse(value);
		ret = c->log_level < 0 ? -EINVAL : 0;
	} else {
		snprintf(err, errlen, "unknown key '%s'", key);
		return -ENOENT;
	}
	if (ret < 0)
		snprintf(err, errlen, "bad value '%s' for %s", value, key);
	return ret;
}

static int set(void *arg, const char *key, const char *value, char *msg, size_t msglen)
{
	return mbox_config_set(arg, key, value, msg, msglen);
}

int mbox_config_load(struct mbox_cfg *c, const char *path, char *err, size_t errlen)
{
	return conf_load(path, set, c, err, errlen);
}

int mbox_config_check(const struct mbox_cfg *c, char *err, size_t errlen)
{
	if (!c->domain[0]) {
		snprintf(err, errlen, "no domain: give --domain NAME or 'domain = NAME'");
		return -EINVAL;
	}
	if (!c->nifaces) {
		snprintf(err, errlen, "no interface to guard: give --iface IFACE");
		return -EINVAL;
	}
	if (!c->npbox) {
		snprintf(err, errlen, "no P-Box: give --pbox ADDR:PORT (its signalling must pass)");
		return -EINVAL;
	}
	return 0;
}

const char *mbox_mode_name(int mode)
{
	return mode == MBOX_MODE_TC ? "tc" : mode == MBOX_MODE_XDP ? "xdp" : "auto";
}
