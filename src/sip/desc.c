// SPDX-License-Identifier: MIT
/* Endpoint descriptors and partial-attribute matching (paper 2, 3.1-3.2). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "sip/desc.h"

/* RFC 3261 uri-parameters: how to reach the URI, not what the endpoint is. */
static bool is_transport_param(struct slice name)
{
	static const char *const reserved[] = { "transport", "user", "method", "ttl", "maddr",
						"lr" };

	for (unsigned i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (slice_caseeq_cstr(name, reserved[i]))
			return true;
	return false;
}

bool desc_from_uri(struct desc *d, const struct sip_uri *u, struct sip_err *err)
{
	memset(d, 0, sizeof(*d));
	if (u->scheme_id != SIP_SCHEME_SIP && u->scheme_id != SIP_SCHEME_SIPS)
		return sip_fail(err, u->raw.p, "a descriptor must be a sip: or sips: URI");
	if (!u->user.len || u->host_type == SIP_HOST_NONE)
		return sip_fail(err, u->raw.p, "a descriptor needs user@domain");
	/* A NUTSS domain is a name that DNS resolves to its P-Box, never an IPv6 literal. */
	if (u->host_type == SIP_HOST_IPV6)
		return sip_fail(err, u->host.p, "a descriptor's domain must be a domain name");
	d->user = u->user;
	d->domain = u->host;
	/* user@host is contiguous in the URI unless a password sits in between. */
	if (!u->password.p)
		d->aor = slice_make(u->user.p, (size_t)(u->host.p + u->host.len - u->user.p));
	else
		d->aor = SLICE_NULL;
	for (unsigned i = 0; i < u->nparams; i++) {
		const struct sip_param *p = &u->params[i];

		if (is_transport_param(p->name))
			continue;
		if (d->nattrs >= DESC_MAX_ATTRS)
			return sip_fail(err, p->name.p, "too many descriptor attributes");
		for (unsigned j = 0; j < d->nattrs; j++)
			if (slice_caseeq(d->attrs[j].key, p->name))
				return sip_fail(err, p->name.p, "descriptor attribute given twice");
		d->attrs[d->nattrs].key = p->name;
		d->attrs[d->nattrs].value = p->value.p ? p->value : slice_make(p->name.p, 0);
		d->nattrs++;
	}
	return true;
}

bool desc_parse(struct desc *d, struct slice s, struct sip_err *err)
{
	struct sip_param v[DESC_MAX_ATTRS + 8];
	struct sip_pool pool = { v, 0, sizeof(v) / sizeof(v[0]) };
	struct sip_uri u;
	bool ok;

	if ((s.len > 4 && !strncasecmp(s.p, "sip:", 4)) ||
	    (s.len > 5 && !strncasecmp(s.p, "sips:", 5)))
		ok = sip_uri_parse(&u, s, &pool, err);
	else
		ok = sip_uri_parse_userhost(&u, s, &pool, err);
	/* The attributes are slices of s, so they outlive the local pool. */
	return ok && desc_from_uri(d, &u, err);
}

struct slice desc_get_slice(const struct desc *d, struct slice key)
{
	for (unsigned i = 0; i < d->nattrs; i++)
		if (slice_caseeq(d->attrs[i].key, key))
			return d->attrs[i].value;
	return SLICE_NULL;
}

struct slice desc_get(const struct desc *d, const char *key)
{
	return desc_get_slice(d, slice_cstr(key));
}

int desc_match(const struct desc *dest, const struct desc *reg)
{
	int agree = 0;

	/* The user component must be present and equal (users are case-sensitive, domains not). */
	if (!slice_eq(dest->user, reg->user) || !slice_caseeq(dest->domain, reg->domain))
		return -1;
	for (unsigned i = 0; i < dest->nattrs; i++) {
		struct slice have = desc_get_slice(reg, dest->attrs[i].key);

		if (!have.p)
			continue;
		if (!slice_caseeq(have, dest->attrs[i].value))
			return -1;
		agree++;
	}
	return agree;
}

int desc_aor_join(struct slice user, struct slice domain, char *buf, size_t len)
{
	size_t n = user.len + 1 + domain.len;

	/* not snprintf: every INVITE to one of our users comes here */
	if (n >= len || n > INT_MAX)
		return -1;
	if (user.len) /* an empty slice may have no pointer at all */
		memcpy(buf, user.p, user.len);
	buf[user.len] = '@';
	if (domain.len)
		memcpy(buf + user.len + 1, domain.p, domain.len);
	buf[n] = 0;
	return (int)n;
}

int desc_aor(const struct desc *d, char *buf, size_t len)
{
	return desc_aor_join(d->user, d->domain, buf, len);
}

int desc_format(const struct desc *d, char *buf, size_t len)
{
	struct buf b;

	if (!len)
		return -1;
	buf_init_str(&b, buf, len);
	buf_slice(&b, d->user);
	buf_put(&b, "@", 1);
	buf_slice(&b, d->domain);
	for (unsigned i = 0; i < d->nattrs; i++) {
		buf_put(&b, ";", 1);
		buf_slice(&b, d->attrs[i].key);
		if (d->attrs[i].value.len) {
			buf_put(&b, "=", 1);
			buf_slice(&b, d->attrs[i].value);
		}
	}
	buf_str(&b);
	return buf_done(&b);
}
