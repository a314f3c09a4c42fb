// SPDX-License-Identifier: MIT
/*
 * nutss-pboxd: the P-Box of a NUTSS domain (docs/pbox.md). main() reads
 * like its table of contents: options, configuration (-n checks it and
 * exits), registrations, workers (which open the sockets), privileges,
 * signals, teardown.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "core/hash.h"
#include "core/log.h"
#include "pbox/dialog.h"
#include "pbox/location.h"
#include "policy/policy.h"
#include "pbox/nonce.h"
#include "pbox/pbox.h"
#include "pbox/store.h"
#include "pbox/users.h"
#include "pbox/worker.h"
#include "proto/keys.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nutss-pboxd [-c FILE] [-n] [--domain NAME] [--listen udp|tcp:ADDR:PORT]...\n"
		"                   [--data-dir DIR] [--workers N] [--auth on|off]\n"
		"                   [--next-hop ADDR:PORT] [--log-level LEVEL]\n"
		"\n"
		"The P-Box of a NUTSS domain: a SIP registrar and proxy that authenticates\n"
		"endpoints and applies the domain's policy. Runs in the foreground.\n"
		"\n"
		"  -c, --config FILE    read settings from FILE (see examples/nutss-pboxd.conf);\n"
		"                       options given here override it\n"
		"  -n, --check          check the configuration and exit (0 when usable)\n"
		"      --domain NAME    the domain served, e.g. example.org (required)\n"
		"      --listen SPEC    udp:ADDR:PORT or tcp:ADDR:PORT, IPv6 in brackets;\n"
		"                       repeat for several (default udp:0.0.0.0:5060 and\n"
		"                       tcp:0.0.0.0:5060)\n"
		"      --data-dir DIR   users and registrations (default /var/lib/nutss)\n"
		"      --workers N      worker threads, 0 = one per core (default 0)\n"
		"      --auth on|off    digest authentication of requests; with it on, only\n"
		"                       our users may relay out of the domain (default on)\n"
		"      --next-hop A:P   where to send requests for other domains\n"
		"      --log-level L    error, warn, info or debug (default info)\n"
		"\n"
		"Signals: SIGTERM or SIGINT stop cleanly; SIGHUP reloads users, policy and\n"
		"the domain's token keys.\n"
		"When started as root it drops to the configured user after binding.\n");
}

/* Options that name a config key: long name -> key. */
static const struct option opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "check", no_argument, NULL, 'n' },
	{ "domain", required_argument, NULL, 1 },
	{ "listen", required_argument, NULL, 2 },
	{ "data-dir", required_argument, NULL, 3 },
	{ "workers", required_argument, NULL, 4 },
	{ "auth", required_argument, NULL, 5 },
	{ "log-level", required_argument, NULL, 6 },
	{ "next-hop", required_argument, NULL, 7 },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};
static const char *const keys[] = { NULL,      "domain", "listen",    "data_dir",
				    "workers", "auth",	 "log_level", "next_hop" };

static int parse_options(int argc, char **argv, struct config *cfg, bool *check_only)
{
	const char *file = NULL;
	char err[256];
	int c;

	/* First pass: the config file, so the command line can override it. */
	while ((c = getopt_long(argc, argv, "c:nh", opts, NULL)) != -1) {
		if (c == 'c')
			file = optarg;
		else if (c == 'h') {
			usage(stdout);
			exit(0);
		} else if (c == '?') {
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nutss-pboxd: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (file && config_load(cfg, file, err, sizeof(err)) < 0) {
		fprintf(stderr, "nutss-pboxd: %s\n", err);
		return -EINVAL;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:nh", opts, NULL)) != -1) {
		if (c == 'n')
			*check_only = true;
		if (c < 1 || c > 7)
			continue;
		if (c == 2 && !cfg->listen_from_cli) {
			cfg->nlisten = 0; /* --listen replaces the list, it does not add to it */
			cfg->listen_from_cli = true;
		}
		if (config_set(cfg, keys[c], optarg, err, sizeof(err)) < 0) {
			fprintf(stderr, "nutss-pboxd: --%s: %s\n", opts[c + 1].name, err);
			return -EINVAL;
		}
	}
	if (config_check(cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "nutss-pboxd: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

/* The replay cache holds this many used nonces (docs/pbox.md, "Nonces"). */
#define REPLAY_CAPACITY (1u << 20)

/*
 * The data directory: users, registrations, the nonce key. Created if
 * missing (0700); when we run as root and drop to cfg->user, the directory
 * and what is in it are handed to that user, who reloads users on SIGHUP.
 */
static int open_data(struct pbox *pb)
{
	char path[PATH_MAX + 16];
	uint8_t key[NONCE_KEY_LEN];
	int ret;

	if (mkdir(pb->cfg.data_dir, 0700) < 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", pb->cfg.data_dir, strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/nonce.key", pb->cfg.data_dir);
	ret = nonce_key_load(path, key, true);
	if (ret < 0) {
		log_error("nonce key %s: %s", path, strerror(-ret));
		return ret;
	}
	ret = dialog_key_init(pb, key, sizeof(key));
	if (!ret)
		ret = nonce_ctx_new(&pb->nonces, key, pb->cfg.nonce_ttl, REPLAY_CAPACITY);
	OPENSSL_cleanse(key, sizeof(key));
	if (ret < 0)
		return ret;
	if (pb->cfg.auth) {
		ret = users_load(&pb->users, pb->cfg.data_dir);
		if (ret < 0) {
			log_error("cannot read users from %s: %s", pb->cfg.data_dir,
				  strerror(-ret));
			return ret;
		}
		log_info("%u user(s) in %s", users_count(pb->users), pb->cfg.data_dir);
		if (!users_count(pb->users))
			log_warn("no users: every request will be refused (nutss user add)");
	}
	return 0;
}

/* Registrations acknowledged before a restart (or a kill -9) are back in the table. */
static int load_binding(void *arg, const struct store_binding *sb)
{
	struct pbox *pb = arg;
	struct loc_binding b = {
		.aor = slice_cstr(sb->aor),
		.contact = slice_cstr(sb->contact),
		.descriptor = slice_cstr(sb->descriptor),
		.path = slice_cstr(sb->path),
		.call_id = slice_cstr(sb->call_id),
		.cseq = sb->cseq,
		.q = (float)sb->q,
		.expires_at = sb->is_static ? 0 : sb->expires_at,
	};
	int ret = location_update(pb->loc, &b, (int64_t)time(NULL));

	if (ret < 0)
		log_warn("stored binding %s -> %s not loaded: %s", sb->aor, sb->contact,
			 strerror(-ret));
	else
		pb->loaded++;
	return 0;
}

static int load_bindings(struct pbox *pb)
{
	struct store *st;
	int ret = store_open(&st, pb->cfg.data_dir, STORE_CREATE);

	if (ret < 0) {
		log_error("cannot open the store in %s: %s", pb->cfg.data_dir, strerror(-ret));
		return ret;
	}
	ret = store_expire(st, (int64_t)time(NULL));
	if (ret >= 0)
		ret = store_binding_list(st, NULL, (int64_t)time(NULL), load_binding, pb);
	store_close(st);
	if (ret < 0)
		log_error("cannot read registrations: %s", strerror(-ret));
	else
		log_info("%u registration(s) restored", pb->loaded);
	return ret < 0 ? ret : 0;
}

/*
 * The domain's policy: every configured file, compiled together
 * (docs/policy.md, "Several files"). With none configured, flows are not
 * checked. An error names the file, line and column.
 */
static int load_policy(const struct config *cfg, struct policy **out)
{
	struct policy *p;

	*out = NULL;
	if (!cfg->npolicies)
		return 0;
	p = policy_new();
	if (!p)
		return -ENOMEM;
	for (unsigned i = 0; i < cfg->npolicies; i++) {
		struct policy_err err;

		if (policy_load(p, cfg->policies[i], &err) < 0) {
			log_error("policy: %s", err.text);
			policy_free(p);
			return -EINVAL;
		}
	}
	*out = p;
	return 0;
}

/*
 * The domain's token keys (DATA_DIR/keys, `nutss key`). None: flows are
 * authorized without tokens, said once at start. Keys of another domain
 * are a configuration error, not something to sign with.
 */
static int load_keys(const struct config *cfg, struct keyring **out)
{
	struct keyring *kr = calloc(1, sizeof(*kr));
	char err[256];
	int ret;

	*out = NULL;
	if (!kr)
		return -ENOMEM;
	ret = keys_load(kr, cfg->data_dir, err, sizeof(err));
	if (ret == -ENOENT) {
		free(kr);
		return 0;
	}
	if (ret < 0) {
		log_error("domain keys: %s", err);
		free(kr);
		return ret;
	}
	if (strcasecmp(kr->domain, cfg->domain)) {
		log_error("domain keys in %s/%s are for %s, not %s", cfg->data_dir, KEYS_FILE,
			  kr->domain, cfg->domain);
		keys_clear(kr);
		free(kr);
		return -EINVAL;
	}
	*out = kr;
	return 0;
}

static void free_keys(struct keyring *kr)
{
	keys_clear(kr);
	free(kr);
}

static void reload_keys(struct pbox *pb, struct keyring **retired)
{
	struct keyring *fresh;

	if (load_keys(&pb->cfg, &fresh) < 0) {
		log_error("reload: domain keys not changed");
		return;
	}
	free_keys(*retired);
	*retired = pb->keys;
	__atomic_store_n(&pb->keys, fresh, __ATOMIC_RELEASE);
	if (fresh)
		log_info("reloaded: %u domain key(s), key %u signs", fresh->n,
			 fresh->keys[0].serial);
	else
		log_warn("reloaded: no domain keys: flows carry no tokens");
}

/* Hand the data directory to the user we are about to become. */
static void chown_data(const char *dir, uid_t uid, gid_t gid)
{
	static const char *const files[] = { "", "/nonce.key", "/nutss.db", "/nutss.db-wal",
					     "/nutss.db-shm", "/" KEYS_FILE };
	char path[PATH_MAX + 16];

	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", dir, files[i]);
		if (chown(path, uid, gid) < 0 && errno != ENOENT)
			log_warn("cannot hand %s to uid %u: %s", path, (unsigned)uid,
				 strerror(errno));
	}
}

/* SIGHUP: a new users table replaces the old; the old one is freed at the next reload. */
static void reload_policy(struct pbox *pb, struct policy **retired)
{
	struct policy *fresh;

	if (load_policy(&pb->cfg, &fresh) < 0) {
		log_error("reload: policy not changed");
		return;
	}
	policy_free(*retired);
	*retired = pb->policy;
	__atomic_store_n(&pb->policy, fresh, __ATOMIC_RELEASE);
	log_info("reloaded: %u policy file(s)", pb->cfg.npolicies);
}

static void reload_users(struct pbox *pb, struct users **retired)
{
	struct users *fresh;
	int ret;

	if (!pb->cfg.auth)
		return;
	ret = users_load(&fresh, pb->cfg.data_dir);
	if (ret < 0) {
		log_error("reload: cannot read users: %s (keeping the old ones)", strerror(-ret));
		return;
	}
	users_free(*retired);
	*retired = pb->users;
	__atomic_store_n(&pb->users, fresh, __ATOMIC_RELEASE);
	log_info("reloaded: %u user(s)", users_count(fresh));
}

/* After the sockets are bound, root is no longer needed (STYLE.md: privilege separation). */
static int drop_privileges(const struct config *cfg)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	pw = getpwnam(cfg->user);
	if (!pw) {
		log_error("cannot drop privileges: no user '%s' (set 'user = NAME')", cfg->user);
		return -ENOENT;
	}
	chown_data(cfg->data_dir, pw->pw_uid, pw->pw_gid);
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		log_error("cannot drop privileges to %s: %s", cfg->user, strerror(errno));
		return -errno;
	}
	log_info("running as %s", cfg->user);
	return 0;
}

/*
 * Workers bind with SO_REUSEPORT, which would also let a second daemon share
 * the port and silently take half of its traffic. So first bind each
 * address plainly: if that fails, someone holds it, and we refuse to start.
 */
static int check_ports_free(const struct config *cfg)
{
	for (unsigned i = 0; i < cfg->nlisten; i++) {
		const struct listen_addr *l = &cfg->listen[i];
		int fd;

		int one = 1;

		fd = socket(l->addr.ss_family,
			    (l->proto == LISTEN_TCP ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		/* TCP: TIME-WAIT leftovers are no owner; a listener (ours or not) still is */
		if (l->proto == LISTEN_TCP)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (l->addr.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, (const struct sockaddr *)&l->addr, l->addrlen) < 0) {
			int err = errno;

			close(fd);
			log_error("cannot listen on %s: %s%s", l->text, strerror(err),
				  err == EADDRINUSE ? " (another nutss-pboxd?)" : "");
			return -err;
		}
		close(fd);
	}
	return 0;
}

/*
 * TCP connections are descriptors: raise the soft limit as far as the hard
 * one allows, and lower max_tcp_connections if it still does not fit, so
 * the daemon sheds connections (tcp.c) before accept() runs out.
 */
static void fit_descriptors(struct config *cfg, unsigned nworkers)
{
	struct rlimit rl;
	rlim_t spare = 64 + 8 * (rlim_t)nworkers; /* sockets, epoll, store, logs */

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && cfg->max_tcp_connections + spare > rl.rlim_cur) {
		unsigned fit = rl.rlim_cur > spare + 1 ? (unsigned)(rl.rlim_cur - spare) : 1;

		log_warn("max_tcp_connections %u does not fit the descriptor limit (%llu): using %u",
			 cfg->max_tcp_connections, (unsigned long long)rl.rlim_cur, fit);
		cfg->max_tcp_connections = fit;
		if (cfg->max_tcp_per_peer > fit)
			cfg->max_tcp_per_peer = fit;
	}
}

static unsigned worker_count(const struct config *cfg)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (cfg->workers)
		return cfg->workers;
	return n > 0 && n <= CONFIG_MAX_WORKERS ? (unsigned)n : 1;
}

static void random_tag(char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[8] = { 0 };
	FILE *f = fopen("/dev/urandom", "rb");

	if (f) {
		if (fread(r, 1, sizeof(r), f) != sizeof(r))
			memset(r, 0, sizeof(r));
		fclose(f);
	}
	for (size_t i = 0; i < sizeof(r) && 2 * i + 2 < len; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
		out[2 * i + 2] = '\0';
	}
}

int main(int argc, char **argv)
{
	static struct pbox pb;
	struct users *retired = NULL;
	struct policy *retired_policy = NULL;
	struct keyring *retired_keys = NULL;
	bool check_only = false;
	sigset_t sigs;
	int sfd, err, ret = 1;

	config_defaults(&pb.cfg);
	if (parse_options(argc, argv, &pb.cfg, &check_only) < 0)
		return 2;
	if (check_only) {
		if (load_policy(&pb.cfg, &pb.policy) < 0)
			return 1;
		policy_free(pb.policy);
		printf("configuration ok: domain %s, %u listen address(es), %u policy file(s)\n",
		       pb.cfg.domain, pb.cfg.nlisten, pb.cfg.npolicies);
		return 0;
	}
	log_set_level((enum log_level)pb.cfg.log_level);
	config_name_wildcards(&pb.cfg);
	random_tag(pb.totag, sizeof(pb.totag));
	err = hash_key_init();
	if (err < 0) {
		log_error("cannot draw a random key for the transaction tables: %s", strerror(-err));
		return 1;
	}

	/* Signals go to a signalfd read by this thread only; workers never see them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sfd < 0) {
		log_error("signalfd: %s", strerror(errno));
		return 1;
	}

	if (location_new(&pb.loc) < 0) {
		log_error("out of memory");
		goto out;
	}
	if (open_data(&pb) < 0 || load_bindings(&pb) < 0 || load_policy(&pb.cfg, &pb.policy) < 0 ||
	    load_keys(&pb.cfg, &pb.keys) < 0)
		goto out;
	if (pb.keys)
		log_info("%u domain key(s) for %s: key %u signs tokens for %us", pb.keys->n,
			 pb.keys->domain, pb.keys->keys[0].serial, pb.cfg.token_lifetime);
	else
		log_warn("no domain keys in %s: flows are authorized without tokens "
			 "(nutss key new %s)",
			 pb.cfg.data_dir, pb.cfg.domain);
	if (pb.policy)
		log_info("%u policy file(s) loaded", pb.cfg.npolicies);
	else
		log_warn("no policy files: flows are not checked (add 'policy = FILE')");
	if (check_ports_free(&pb.cfg) < 0)
		goto out;
	pb.nworkers = worker_count(&pb.cfg);
	fit_descriptors(&pb.cfg, pb.nworkers);
	pb.workers = calloc(pb.nworkers, sizeof(*pb.workers));
	if (!pb.workers)
		goto out;
	for (unsigned i = 0; i < pb.nworkers; i++) {
		int r = worker_start(&pb, i, &pb.workers[i]);

		if (r < 0) {
			log_error("cannot start worker %u: %s", i, strerror(-r));
			goto stop;
		}
	}
	if (drop_privileges(&pb.cfg) < 0)
		goto stop;
	for (unsigned i = 0; i < pb.cfg.nlisten; i++)
		log_info("listening on %s", pb.cfg.listen[i].text);
	log_info("P-Box for %s up: %u worker(s), %u MiB each reserved for transactions, auth %s",
		 pb.cfg.domain, pb.nworkers, pb.cfg.transaction_memory, pb.cfg.auth ? "on" : "off");

	for (;;) {
		struct signalfd_siginfo si;

		if (read(sfd, &si, sizeof(si)) != sizeof(si)) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (si.ssi_signo == SIGHUP) {
			reload_users(&pb, &retired);
			reload_policy(&pb, &retired_policy);
			reload_keys(&pb, &retired_keys);
			continue;
		}
		log_info("signal %u: stopping", si.ssi_signo);
		break;
	}
	ret = 0;
stop:
	pb.stop = 1;
	for (unsigned i = 0; i < pb.nworkers; i++)
		worker_free(pb.workers[i]);
out:
	free(pb.workers);
	location_free(pb.loc);
	users_free(pb.users);
	users_free(retired);
	policy_free(pb.policy);
	policy_free(retired_policy);
	free_keys(pb.keys);
	free_keys(retired_keys);
	nonce_ctx_free(pb.nonces);
	close(sfd);
	log_info("stopped");
	return ret;
}
