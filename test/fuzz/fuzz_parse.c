/*
 * fuzz_parse.c: number, port, time and address parsing.  opts_number()
 * must accept only whole strings inside the range (integers only unless
 * fractions are allowed); mcast_group() only multicast addresses;
 * mcast_source() only addresses of the group's family.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "mcast.h"
#include "opts.h"

static void
check_number(const char *s, double min, double max, bool frac)
{
	const char *why = NULL;
	double v = -12345;

	if (opts_number(s, min, max, frac, &v, &why) == 0) {
		FUZZ_ASSERT(isfinite(v) && v >= min && v <= max);
		FUZZ_ASSERT(frac || v == floor(v));
		FUZZ_ASSERT(strpbrk(s, "iInNxX") == NULL);
	} else
		FUZZ_ASSERT(why != NULL && v == -12345);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char s[512];
	struct sockaddr_storage g, src;
	const char *why = NULL;
	unsigned char raw[16];
	int fam;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_number(s, 0, 65535, false);		/* --port */
	check_number(s, 1, 9.2e18, false);		/* --count */
	check_number(s, 0, 1e9, true);			/* --timeout */
	check_number(s, 0, 100, true);			/* --max-loss */

	if ((fam = mcast_group(s, AF_UNSPEC, &g, &why)) < 0) {
		FUZZ_ASSERT(why != NULL);
		return 0;
	}
	FUZZ_ASSERT(g.ss_family == fam);
	if (fam == AF_INET)
		FUZZ_ASSERT(IN_MULTICAST(ntohl(((struct sockaddr_in *)
		    &g)->sin_addr.s_addr)));
	else
		FUZZ_ASSERT(IN6_IS_ADDR_MULTICAST(&((struct sockaddr_in6 *)
		    &g)->sin6_addr));
	/* The same string as a source: accepted, in its family only. */
	FUZZ_ASSERT(mcast_source(s, fam, &src) == 0);
	FUZZ_ASSERT(inet_pton(fam, s, raw) == 1);
	FUZZ_ASSERT(mcast_source(s, fam == AF_INET ? AF_INET6 : AF_INET,
	    &src) < 0);
	return 0;
}
