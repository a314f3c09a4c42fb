/* SPDX-License-Identifier: MIT */
/*
 * What `nutss run` refuses to start, because the shim could not see its
 * network calls and it would reach the network unprotected: a static
 * binary (no dynamic loader to preload into), a Go program (it makes its
 * system calls itself, cgo or not), a setuid or setgid file (the loader
 * ignores LD_PRELOAD for it), and a script whose interpreter is one.
 */
#ifndef NUTSS_CLI_TARGET_H
#define NUTSS_CLI_TARGET_H

#include <stddef.h>

#define TARGET_PHNUM_MAX  512	  /* program headers read */
#define TARGET_SHNUM_MAX  8192	  /* section headers read */
#define TARGET_NOTE_MAX	  65536	  /* bytes of PT_NOTE read */
#define TARGET_DEPTH_MAX  3	  /* #! interpreters followed */

/*
 * cmd found as execvp would (PATH unless it has a '/'), into path. 0: it
 * can run under the shim; -1: refused, why says so; -2: not found or
 * unreadable (why).
 */
int target_check(const char *cmd, char *path, size_t pathlen, char *why, size_t whylen);

#endif
