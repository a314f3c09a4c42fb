/* SPDX-License-Identifier: MIT */
/*
 * Every bound the SIP core enforces, in one place. Input that exceeds one is
 * rejected with a clear error rather than truncated; the numbers are well
 * above anything RFC 4475 or real user agents send.
 */
#ifndef NUTSS_SIP_LIMITS_H
#define NUTSS_SIP_LIMITS_H

#define SIP_MAX_MSG_SIZE 65535	  /* whole message, headers + body (a UDP datagram) */
#define SIP_MAX_HEADERS 128	  /* header lines in one message */
#define SIP_MAX_HEADER_LEN 8192	  /* one header line including folds */
#define SIP_MAX_URI_LEN 2048	  /* one URI */
#define SIP_MAX_VIA 64		  /* Via entries (RFC 4475 longreq has 34) */
#define SIP_MAX_ADDRS 32	  /* Contact + Route + Record-Route + Path entries */
#define SIP_MAX_AUTH 4		  /* Authorization/Proxy-Authorization/...-Authenticate values */
#define SIP_MAX_OPTION_TAGS 32	  /* Require + Proxy-Require + Supported tags */
#define SIP_MAX_PARAMS 512	  /* URI, header and auth parameters in one message */
#define SIP_MAX_METHOD_LEN 64	  /* request method token */
#define SIP_MAX_CSEQ 0x7fffffffU  /* RFC 3261 8.1.1.5: less than 2**31 */
#define SIP_MAX_FORWARDS_MAX 255  /* Max-Forwards is 0-255 */
#define SIP_MAX_EXPIRES 0xffffffffU /* RFC 3261 20.19: 32-bit delta-seconds */

#endif
