// SPDX-License-Identifier: MIT
/*
 * null_relay: the cheapest thing that can stand where a SIP proxy stands in
 * the harness's UDP calls, to measure what the kernel alone costs per call
 * (bench/README.md, "the floor"). One thread, one UDP socket, blocking
 * recvmmsg and sendmmsg batches, no parsing beyond finding line ends:
 * requests get a Via (and INVITEs a Record-Route) and go to the UAS;
 * responses lose their top Via and go to the last caller seen. It keeps no
 * state, checks nothing, and is not a SIP proxy. A TCP socket listens on the
 * same port only because the harness waits for one.
 *
 *   null_relay PORT UAS_PORT        (127.0.0.1 only)
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 32
#define MSG   65536

int main(int argc, char **argv)
{
	static char in[BATCH][MSG], out[BATCH][MSG];
	static struct mmsghdr ih[BATCH], oh[BATCH];
	static struct iovec iv[BATCH], ov[BATCH];
	static struct sockaddr_in src[BATCH];
	struct sockaddr_in me = { .sin_family = AF_INET }, uas = { .sin_family = AF_INET },
			   uac = { 0 };
	unsigned long long branch = 0;
	int fd, tcp, port;

	if (argc != 3)
		return fprintf(stderr, "usage: null_relay PORT UAS_PORT\n"), 2;
	port = atoi(argv[1]);
	inet_pton(AF_INET, "127.0.0.1", &me.sin_addr);
	uas.sin_addr = me.sin_addr;
	me.sin_port = htons((uint16_t)port);
	uas.sin_port = htons((uint16_t)atoi(argv[2]));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	tcp = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || tcp < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0 ||
	    bind(tcp, (struct sockaddr *)&me, sizeof(me)) < 0 || listen(tcp, 1) < 0)
		return perror("null_relay"), 1;
	for (int i = 0; i < BATCH; i++) {
		iv[i] = (struct iovec){ in[i], MSG - 1 };
		ov[i].iov_base = out[i];
	}
	for (;;) {
		int n, k = 0;

		for (int i = 0; i < BATCH; i++)
			ih[i].msg_hdr = (struct msghdr){ .msg_name = &src[i],
							 .msg_namelen = sizeof(src[i]),
							 .msg_iov = &iv[i],
							 .msg_iovlen = 1 };
		n = recvmmsg(fd, ih, BATCH, MSG_WAITFORONE, NULL);
		if (n <= 0)
			continue;
		for (int i = 0; i < n; i++) {
			char *m = in[i], *o = out[k], *eol = memchr(m, '\n', ih[i].msg_len);
			size_t len = ih[i].msg_len, hl;

			if (!eol)
				continue;
			hl = (size_t)(eol + 1 - m);
			if (strncmp(m, "SIP/2.0 ", 8)) { /* a request: to the UAS */
				int w;

				if (src[i].sin_port != uas.sin_port)
					uac = src[i];
				memcpy(o, m, hl);
				w = snprintf(o + hl, 200, "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKn%llx\r\n",
					     port, ++branch);
				if (!strncmp(m, "INVITE", 6))
					w += snprintf(o + hl + w, 100, "Record-Route: <sip:127.0.0.1:%d;lr>\r\n",
						      port);
				memcpy(o + hl + (size_t)w, m + hl, len - hl);
				ov[k].iov_len = len + (size_t)w;
				oh[k].msg_hdr = (struct msghdr){ .msg_name = &uas,
								 .msg_namelen = sizeof(uas),
								 .msg_iov = &ov[k],
								 .msg_iovlen = 1 };
			} else { /* a response: drop the top Via (ours), to the caller */
				char *v = strstr(m, "\nVia:"), *ve = v ? strchr(v + 1, '\n') : NULL;

				char *comma;

				if (!ve || !uac.sin_port)
					continue;
				comma = memchr(v, ',', (size_t)(ve - v));
				if (comma) { /* "Via: ours, theirs": keep "Via: theirs" */
					size_t keep = (size_t)(v + 6 - m), cut = (size_t)(comma + 1 - m);

					while (m[cut] == ' ')
						cut++;
					memcpy(o, m, keep);
					memcpy(o + keep, m + cut, len - cut);
					ov[k].iov_len = len - (cut - keep);
				} else {
					memcpy(o, m, (size_t)(v + 1 - m));
					memcpy(o + (v + 1 - m), ve + 1, len - (size_t)(ve + 1 - m));
					ov[k].iov_len = len - (size_t)(ve - v);
				}
				oh[k].msg_hdr = (struct msghdr){ .msg_name = &uac,
								 .msg_namelen = sizeof(uac),
								 .msg_iov = &ov[k],
								 .msg_iovlen = 1 };
			}
			k++;
		}
		if (k)
			sendmmsg(fd, oh, (unsigned)k, 0);
	}
}
