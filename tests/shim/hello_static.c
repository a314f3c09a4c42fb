// SPDX-License-Identifier: MIT
/* What tests/shim/test-shim.sh builds static (and dynamic, and as a fake Go program) for nutss run
 * to refuse. */
#include <stdio.h>

int main(void)
{
	puts("hello");
	return 0;
}
