// SPDX-License-Identifier: MIT
/*
 * nutss-mboxd: the M-Box of a NUTSS domain (docs/mbox.md). main() reads as
 * its table of contents: options, configuration (-n checks it and exits),
 * the BPF maps (pinned: nutss mbox and a restart find them), the domain's
 * keys, the program attached to each guarded interface, privileges
 * dropped, then a loop that keeps the clock offset and the keys current.
 *
 * Fail closed: the program and the flow table stay when the daemon exits
 * or dies; a restart takes the pinned maps back and re-attaches. Only
 * `nutss mbox detach IFACE` opens an interface again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <grp.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <net/if.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/log.h"
#include "mbox.skel.h"
#include "mbox/attach.h"
#include "mbox/config.h"
#include "proto/keys.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nutss-mboxd [-c FILE] [-n] --domain NAME --iface IFACE... --pbox "
		"ADDR:PORT...\n"
		"                   [--allow tcp|udp:ADDR:PORT]... [--data-dir DIR] [--mode "
		"auto|tc|xdp]\n"
		"                   [--log-level LEVEL]\n"
		"\n"
		"The M-Box of a NUTSS domain: on each guarded interface, drop every packet but\n"
		"ARP and IPv6 neighbour discovery, signalling with the domain's P-Boxes, --allow\n"
		"services, and the flows that a ticket carrying the domain's token admitted.\n"
		"\n"
		"  -c, --config FILE   settings (key = value; options given here override it)\n"
		"  -n, --check         check the configuration and exit\n"
		"      --domain NAME   the domain whose tokens admit flows (its keys: DIR/keys)\n"
		"      --iface IFACE   an interface to guard (repeat)\n"
		"      --pbox A:P      a P-Box of the domain (repeat; udp:/tcp: to name one "
		"transport)\n"
		"      --allow T:A:P   a public service left open, e.g. tcp:192.0.2.1:443 "
		"(repeat)\n"
		"      --data-dir DIR  where the domain keys are (default /var/lib/nutss)\n"
		"      --mode M        auto (tc on virtual interfaces, XDP on NICs), tc or xdp\n"
		"      --log-level L   error, warn, info or debug (default info)\n"
		"Config-file keys only: idle_timeout, max_lifetime (s), flows (table entries),\n"
		"discovery_rate (replies a second per CPU telling a dropped sender where the\n"
		"P-Box is; default 100, 0 for none), pin_dir (default /sys/fs/bpf/nutss),\n"
		"user (default nobody).\n"
		"\n"
		"Signals: SIGTERM/SIGINT stop the daemon and leave every interface guarded (fail\n"
		"closed); SIGHUP reloads the keys (the daemon also notices a changed keys "
		"file).\n");
}

static const struct option opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "check", no_argument, NULL, 'n' },
	{ "domain", required_argument, NULL, 1 },
	{ "iface", required_argument, NULL, 2 },
	{ "pbox", required_argument, NULL, 3 },
	{ "allow", required_argument, NULL, 4 },
	{ "data-dir", required_argument, NULL, 5 },
	{ "mode", required_argument, NULL, 6 },
	{ "log-level", required_argument, NULL, 7 },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};
static const char *const keys_of_opt[] = { NULL,    "domain",	"iface", "pbox",
					   "allow", "data_dir", "mode",	 "log_level" };

static int parse_options(int argc, char **argv, struct mbox_cfg *cfg, bool *check_only)
{
	const char *file = NULL;
	char err[256];
	int c;

	while ((c = getopt_long(argc, argv, "c:nh", opts, NULL)) != -1) {
		if (c == 'c') {
			file = optarg;
		} else if (c == 'h') {
			usage(stdout);
			exit(0);
		} else if (c == '?') {
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nutss-mboxd: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (file && mbox_config_load(cfg, file, err, sizeof(err)) < 0) {
		fprintf(stderr, "nutss-mboxd: %s\n", err);
		return -EINVAL;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:nh", opts, NULL)) != -1) {
		if (c == 'n')
			*check_only = true;
		if (c < 1 || c > 7)
			continue;
		if (mbox_config_set(cfg, keys_of_opt[c], optarg, err, sizeof(err)) < 0) {
			fprintf(stderr, "nutss-mboxd: --%s: %s\n", opts[c + 1].name, err);
			return -EINVAL;
		}
	}
	if (mbox_config_check(cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "nutss-mboxd: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

/*
 * The pin directory must be on a bpffs that outlives us. /sys/fs/bpf is not
 * mounted on every machine (and `ip netns exec` gives a process a /sys of
 * its own): mount it, or, for a directory elsewhere, a bpffs on the
 * directory itself.
 */
static int bpffs(const char *pin_dir)
{
	struct statfs st;
	const char *mnt = !strncmp(pin_dir, "/sys/fs/bpf/", 12) ? "/sys/fs/bpf" : pin_dir;

	if (statfs(mnt, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		goto made;
	if (mkdir(mnt, 0700) < 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", mnt, strerror(errno));
		return -errno;
	}
	if (mount("bpf", mnt, "bpf", 0, "mode=0700") < 0) {
		log_error("cannot mount bpffs on %s: %s", mnt, strerror(errno));
		return -errno;
	}
made:
	if (mkdir(pin_dir, 0700) < 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", pin_dir, strerror(errno));
		return -errno;
	}
	return 0;
}

/* The maps, pinned in pin_dir: taken back when they are there (a restart), made otherwise. */
static struct mbox_bpf *load(const struct mbox_cfg *cfg)
{
	struct bpf_map *maps[4];
	struct mbox_bpf *skel = mbox_bpf__open();
	char path[PATH_MAX + 32];

	if (!skel) {
		log_error("cannot open the BPF object: %s", strerror(errno));
		return NULL;
	}
	maps[0] = skel->maps.config;
	maps[1] = skel->maps.keys;
	maps[2] = skel->maps.flows;
	maps[3] = skel->maps.counters;
	bpf_map__set_max_entries(skel->maps.flows, cfg->flows);
	for (unsigned i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", cfg->pin_dir, bpf_map__name(maps[i]));
		bpf_map__set_pin_path(maps[i], path);
	}
	if (mbox_bpf__load(skel) < 0) {
		log_error("cannot load the BPF program: %s (maps of another size or version pinned "
			  "in "
			  "%s? remove it after 'nutss mbox detach')",
			  strerror(errno), cfg->pin_dir);
		mbox_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static void endpoint(struct mbox_endpoint *e, const struct addr_spec *a, bool any_proto)
{
	memset(e, 0, sizeof(*e));
	if (a->addr.ss_family == AF_INET) {
		e->addr[10] = e->addr[11] = 0xff;
		memcpy(e->addr + 12, &((const struct sockaddr_in *)&a->addr)->sin_addr, 4);
	} else {
		memcpy(e->addr, &((const struct sockaddr_in6 *)&a->addr)->sin6_addr, 16);
	}
	e->port = htons(a->port);
	e->proto = any_proto ? 0 : a->tcp ? IPPROTO_TCP : IPPROTO_UDP;
}

/* The wall clock's offset from the program's clock: token expiries are Unix seconds. */
static int64_t unix_offset(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return ((int64_t)real.tv_sec * 1000000000 + real.tv_nsec) -
	       ((int64_t)mono.tv_sec * 1000000000 + mono.tv_nsec);
}

static int write_config(struct mbox_bpf *skel, const struct mbox_cfg *cfg, uint32_t key_mask)
{
	struct mbox_config c = { 0 };
	__u32 zero = 0;

	c.unix_offset_ns = unix_offset();
	c.key_mask = key_mask;
	keys_domain_tag(cfg->domain, c.domain_tag);
	c.idle_timeout_s = cfg->idle_timeout;
	c.max_lifetime_s = cfg->max_lifetime;
	c.discovery_per_s = cfg->discovery_rate;
	c.npbox = cfg->npbox;
	for (unsigned i = 0; i < cfg->npbox; i++)
		endpoint(&c.pbox[i], &cfg->pbox[i], true);
	c.nallow = cfg->nallow;
	for (unsigned i = 0; i < cfg->nallow; i++)
		endpoint(&c.allow[i], &cfg->allow[i], false);
	return bpf_map_update_elem(bpf_map__fd(skel->maps.config), &zero, &c, BPF_ANY) < 0 ? -errno
											   : 0;
}

/*
 * The keys into their slots: a key already live stays where it is; a new
 * one goes into a slot that is not live; then one store of the mask makes
 * the new set live. A packet sees the old set or the new, never half a key.
 */
static int apply_keys(struct mbox_bpf *skel, const struct keyring *kr, uint32_t *mask)
{
	int kfd = bpf_map__fd(skel->maps.keys), cfd = bpf_map__fd(skel->maps.config);
	uint32_t live = *mask, want = 0;
	struct mbox_config c;
	__u32 zero = 0;

	for (unsigned i = 0; i < kr->n; i++) {
		struct mbox_key mk;
		int found = -1, free_slot = -1;

		for (__u32 s = 0; s < MBOX_KEY_SLOTS; s++) {
			if (bpf_map_lookup_elem(kfd, &s, &mk) < 0)
				continue;
			if ((live & (1u << s)) && !memcmp(mk.id, kr->keys[i].id, 8))
				found = (int)s;
			else if (!(live & (1u << s)) && !(want & (1u << s)) && free_slot < 0)
				free_slot = (int)s;
		}
		if (found < 0) {
			__u32 s = (__u32)free_slot;

			if (free_slot < 0)
				return -ENOSPC;
			memcpy(mk.id, kr->keys[i].id, 8);
			memcpy(&mk.k0, kr->keys[i].secret, 8);
			memcpy(&mk.k1, kr->keys[i].secret + 8, 8);
			if (bpf_map_update_elem(kfd, &s, &mk, BPF_ANY) < 0)
				return -errno;
			found = (int)s;
		}
		want |= 1u << found;
	}
	if (bpf_map_lookup_elem(cfd, &zero, &c) < 0)
		return -errno;
	c.key_mask = want; /* the one store that switches */
	if (bpf_map_update_elem(cfd, &zero, &c, BPF_ANY) < 0)
		return -errno;
	*mask = want;
	return 0;
}

static int reload_keys(struct mbox_bpf *skel, const struct mbox_cfg *cfg, uint32_t *mask)
{
	struct keyring kr;
	char err[256];
	int ret = keys_load(&kr, cfg->data_dir, err, sizeof(err));

	if (ret < 0) {
		log_error("domain keys: %s%s", err,
			  ret == -ENOENT ? " (nutss key new DOMAIN): no ticket can admit a flow"
					 : "");
		return ret;
	}
	if (strcasecmp(kr.domain, cfg->domain)) {
		log_error("domain keys in %s are for %s, not %s", cfg->data_dir, kr.domain,
			  cfg->domain);
		keys_clear(&kr);
		return -EINVAL;
	}
	ret = apply_keys(skel, &kr, mask);
	if (ret < 0)
		log_error("cannot write the keys into the program's map: %s", strerror(-ret));
	else
		log_info("%u domain key(s) live (serial %u newest)", kr.n, kr.keys[0].serial);
	keys_clear(&kr);
	return ret;
}

static int drop_privileges(const struct mbox_cfg *cfg)
{
	struct passwd *pw;
	char path[PATH_MAX + 16];

	if (geteuid() != 0)
		return 0;
	pw = getpwnam(cfg->user);
	if (!pw) {
		log_error("cannot drop privileges: no user '%s' (set 'user = NAME')", cfg->user);
		return -ENOENT;
	}
	/* the keys file stays readable to us, as the P-Box hands it over too */
	snprintf(path, sizeof(path), "%s/%s", cfg->data_dir, KEYS_FILE);
	if (chown(cfg->data_dir, pw->pw_uid, pw->pw_gid) < 0 ||
	    chown(path, pw->pw_uid, pw->pw_gid) < 0)
		log_warn("cannot hand %s to %s: %s", cfg->data_dir, cfg->user, strerror(errno));
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		log_error("cannot drop privileges to %s: %s", cfg->user, strerror(errno));
		return -errno;
	}
	log_info("running as %s: the program is attached and its maps open", cfg->user);
	return 0;
}

static int keys_stamp(const struct mbox_cfg *cfg, struct timespec *mtime, ino_t *ino)
{
	char path[PATH_MAX + 16];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", cfg->data_dir, KEYS_FILE);
	if (stat(path, &st) < 0)
		return -errno;
	*mtime = st.st_mtim;
	*ino = st.st_ino;
	return 0;
}

int main(int argc, char **argv)
{
	static struct mbox_cfg cfg;
	struct mbox_bpf *skel;
	bool check_only = false;
	uint32_t mask = 0;
	struct timespec kmtime = { 0 };
	ino_t kino = 0;
	sigset_t sigs;
	int sfd, rc = 1;

	mbox_config_defaults(&cfg);
	if (parse_options(argc, argv, &cfg, &check_only) < 0)
		return 2;
	if (check_only) {
		printf("configuration ok: domain %s, %u interface(s), %u P-Box(es), %u allow "
		       "rule(s), "
		       "mode %s\n",
		       cfg.domain, cfg.nifaces, cfg.npbox, cfg.nallow, mbox_mode_name(cfg.mode));
		return 0;
	}
	log_set_level((enum log_level)cfg.log_level);
	libbpf_set_print(NULL);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0 || bpffs(cfg.pin_dir) < 0 || !(skel = load(&cfg)))
		return 1;
	if (write_config(skel, &cfg, 0) < 0) {
		log_error("cannot write the configuration map: %s", strerror(errno));
		goto out;
	}
	reload_keys(skel, &cfg, &mask);
	keys_stamp(&cfg, &kmtime, &kino);
	for (unsigned i = 0; i < cfg.nifaces; i++) {
		char why[160];
		int mode =
			mbox_attach(cfg.ifaces[i], cfg.mode, bpf_program__fd(skel->progs.mbox_tc),
				    bpf_program__fd(skel->progs.mbox_xdp), why, sizeof(why));

		if (mode < 0) {
			log_error("cannot guard %s: %s", cfg.ifaces[i], why);
			goto out;
		}
		log_info("guarding %s (%s%s)", cfg.ifaces[i], mbox_mode_name(mode),
			 cfg.mode == MBOX_MODE_AUTO ? ", chosen by interface kind" : "");
	}
	log_info("M-Box for %s up: %u P-Box(es), %u allow rule(s), flow table %u entries "
		 "(~%u MiB), idle %us, lifetime %us, discovery replies %u/s per CPU; maps pinned "
		 "in %s",
		 cfg.domain, cfg.npbox, cfg.nallow, cfg.flows,
		 (unsigned)((uint64_t)cfg.flows * MBOX_FLOW_BYTES >> 20), cfg.idle_timeout,
		 cfg.max_lifetime, cfg.discovery_rate, cfg.pin_dir);
	if (drop_privileges(&cfg) < 0)
		goto out;
	for (;;) {
		struct signalfd_siginfo si;
		struct timespec mt;
		ino_t ino;
		__u32 zero = 0;
		struct mbox_config c;

		if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGHUP) {
				log_info("signal %u: stopping; every interface stays guarded "
					 "(nutss mbox detach IFACE opens one)",
					 si.ssi_signo);
				break;
			}
			reload_keys(skel, &cfg, &mask);
		}
		/* the clock the tokens' expiries are read against */
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.config), &zero, &c) == 0) {
			c.unix_offset_ns = unix_offset();
			bpf_map_update_elem(bpf_map__fd(skel->maps.config), &zero, &c, BPF_ANY);
		}
		/* nutss key rotate: a new file (rename), so a new inode or mtime */
		if (keys_stamp(&cfg, &mt, &ino) == 0 &&
		    (ino != kino || mt.tv_sec != kmtime.tv_sec || mt.tv_nsec != kmtime.tv_nsec)) {
			kino = ino;
			kmtime = mt;
			log_info("the keys file changed: reloading");
			reload_keys(skel, &cfg, &mask);
		}
		usleep(200000);
	}
	rc = 0;
out:
	/* what is attached, the maps and the flows stay: fail closed */
	mbox_bpf__destroy(skel);
	close(sfd);
	return rc;
}
