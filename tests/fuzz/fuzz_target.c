// SPDX-License-Identifier: MIT
/*
 * Fuzz what `nutss run` reads of the program it is asked to start (an ELF
 * file or a #! script, anyone's): src/cli/target.c. The input becomes a
 * file (a memfd); target_check must return, with a reason when it refuses,
 * and never read out of bounds whatever the headers claim.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], found[4096], why[1024];
	int fd = memfd_create("fuzz_target", MFD_CLOEXEC), r;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	fchmod(fd, 0755);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	why[0] = 0;
	r = target_check(path, found, sizeof(found), why, sizeof(why));
	if (r < -2 || r > 0 || (r < 0 && !why[0]))
		abort();
	close(fd);
	return 0;
}
