// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mbox/attach.h"
#include "mbox/config.h"

/* Our tc filter: its handle and priority name it among others on the interface. */
#define TC_HANDLE   0x4e54 /* "NT" */
#define TC_PRIORITY 1

/* A NIC has a device behind it in sysfs; veth, bridges, tunnels do not. */
static bool is_virtual(const char *ifname)
{
	char path[64 + IF_NAMESIZE];

	snprintf(path, sizeof(path), "/sys/class/net/%s/device", ifname);
	return access(path, F_OK) != 0;
}

static int tc_attach(unsigned idx, int fd, char *why, size_t len)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)idx, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tc, .handle = TC_HANDLE, .priority = TC_PRIORITY, .prog_fd = fd,
		    .flags = BPF_TC_F_REPLACE);
	int ret = bpf_tc_hook_create(&hook);

	if (ret < 0 && ret != -EEXIST) {
		snprintf(why, len, "clsact qdisc: %s", strerror(-ret));
		return -1;
	}
	ret = bpf_tc_attach(&hook, &tc);
	if (ret < 0) {
		snprintf(why, len, "tc filter: %s", strerror(-ret));
		return -1;
	}
	return MBOX_MODE_TC;
}

/*
 * The XDP hook holds one program: replace ours (a restart), never someone
 * else's. 0, or -1 with why naming the program that is there.
 */
static int xdp_hook_free(unsigned idx, char *why, size_t len)
{
	static const __u32 modes[] = { XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE };

	for (unsigned i = 0; i < 2; i++) {
		struct bpf_prog_info info = { 0 };
		__u32 id = 0, ilen = sizeof(info);
		int fd;

		if (bpf_xdp_query_id((int)idx, (int)modes[i], &id) < 0 || !id)
			continue;
		fd = bpf_prog_get_fd_by_id(id);
		if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &ilen) == 0 &&
		    !strcmp(info.name, "mbox_xdp")) {
			close(fd);
			continue;
		}
		if (fd >= 0)
			close(fd);
		snprintf(why, len,
			 "another XDP program (id %u, '%s') holds the interface: detach it or use "
			 "--mode tc",
			 id, info.name);
		return -1;
	}
	return 0;
}

static int xdp_attach(unsigned idx, int fd, char *why, size_t len)
{
	if (xdp_hook_free(idx, why, len) < 0)
		return -1;
	/* native first; a driver without XDP gets the generic hook */
	if (bpf_xdp_attach((int)idx, fd, XDP_FLAGS_DRV_MODE, NULL) == 0 ||
	    bpf_xdp_attach((int)idx, fd, XDP_FLAGS_SKB_MODE, NULL) == 0)
		return MBOX_MODE_XDP;
	snprintf(why, len, "XDP: %s", strerror(errno));
	return -1;
}

int mbox_attach(const char *ifname, int mode, int tc_fd, int xdp_fd, char *why, size_t len)
{
	unsigned idx = if_nametoindex(ifname);

	if (!idx) {
		snprintf(why, len, "no interface %s", ifname);
		return -1;
	}
	if (mode == MBOX_MODE_AUTO)
		mode = is_virtual(ifname) ? MBOX_MODE_TC : MBOX_MODE_XDP;
	return mode == MBOX_MODE_TC ? tc_attach(idx, tc_fd, why, len)
				    : xdp_attach(idx, xdp_fd, why, len);
}

int mbox_detach(const char *ifname, char *why, size_t len)
{
	unsigned idx = if_nametoindex(ifname);
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)idx, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tc, .handle = TC_HANDLE, .priority = TC_PRIORITY);
	int tc_ret, xdp_ret;

	if (!idx) {
		snprintf(why, len, "no interface %s", ifname);
		return -1;
	}
	tc_ret = bpf_tc_detach(&hook, &tc);
	/* either XDP mode: flags 0 would only name the driver's where it has one */
	xdp_ret = bpf_xdp_detach((int)idx, XDP_FLAGS_DRV_MODE, NULL);
	if (bpf_xdp_detach((int)idx, XDP_FLAGS_SKB_MODE, NULL) == 0)
		xdp_ret = 0;
	if (tc_ret < 0 && xdp_ret < 0 && tc_ret != -ENOENT) {
		snprintf(why, len, "%s", strerror(-tc_ret));
		return -1;
	}
	return 0;
}
