// SPDX-License-Identifier: MIT
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/target.h"

/* cmd as execvp finds it: PATH unless it names a path. */
static int find(const char *cmd, char *path, size_t len)
{
	const char *p = getenv("PATH");

	if (strchr(cmd, '/')) {
		snprintf(path, len, "%s", cmd);
		return access(path, X_OK) == 0 ? 0 : -1;
	}
	if (!p)
		p = "/usr/local/bin:/usr/bin:/bin";
	while (*p) {
		size_t n = strcspn(p, ":");

		if ((size_t)snprintf(path, len, "%.*s/%s", (int)n, n ? p : ".", cmd) < len &&
		    access(path, X_OK) == 0) {
			struct stat st;

			if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
				return 0;
		}
		p += n + (p[n] == ':');
	}
	errno = ENOENT;
	return -1;
}

static bool pread_all(int fd, void *buf, size_t len, off_t off)
{
	return pread(fd, buf, len, off) == (ssize_t)len;
}

/* A PT_NOTE or SHT_NOTE region holding a note whose owner is "Go". */
static bool go_note(int fd, off_t off, uint64_t size)
{
	static char buf[TARGET_NOTE_MAX];
	size_t n = size > sizeof(buf) ? sizeof(buf) : (size_t)size, at = 0;

	if (!pread_all(fd, buf, n, off))
		return false;
	while (at + 12 <= n) {
		uint32_t nsz, dsz;

		memcpy(&nsz, buf + at, 4);
		memcpy(&dsz, buf + at + 4, 4);
		if (nsz > n || dsz > n)
			return false;
		if (nsz == 3 && at + 12 + 3 <= n && !memcmp(buf + at + 12, "Go", 3))
			return true;
		at += 12 + ((nsz + 3u) & ~3u) + ((dsz + 3u) & ~3u);
	}
	return false;
}

/* The parts of an ELF file the checks need, from either class. */
struct elf_view {
	bool is64;
	uint64_t phoff, shoff;
	unsigned phnum, shnum, shstrndx;
};

/* Program header i: its type, offset and size. false when unreadable. */
static bool phdr(int fd, const struct elf_view *e, unsigned i, uint32_t *type, uint64_t *off,
		 uint64_t *size)
{
	if (e->is64) {
		Elf64_Phdr ph;

		if (!pread_all(fd, &ph, sizeof(ph), (off_t)(e->phoff + i * sizeof(ph))))
			return false;
		*type = ph.p_type;
		*off = ph.p_offset;
		*size = ph.p_filesz;
	} else {
		Elf32_Phdr ph;

		if (!pread_all(fd, &ph, sizeof(ph), (off_t)(e->phoff + i * sizeof(ph))))
			return false;
		*type = ph.p_type;
		*off = ph.p_offset;
		*size = ph.p_filesz;
	}
	return true;
}

/* Section header i: its name's offset, its offset and size. false when unreadable. */
static bool shdr(int fd, const struct elf_view *e, unsigned i, uint32_t *name, uint64_t *off,
		 uint64_t *size)
{
	if (e->is64) {
		Elf64_Shdr sh;

		if (!pread_all(fd, &sh, sizeof(sh), (off_t)(e->shoff + i * sizeof(sh))))
			return false;
		*name = sh.sh_name;
		*off = sh.sh_offset;
		*size = sh.sh_size;
	} else {
		Elf32_Shdr sh;

		if (!pread_all(fd, &sh, sizeof(sh), (off_t)(e->shoff + i * sizeof(sh))))
			return false;
		*name = sh.sh_name;
		*off = sh.sh_offset;
		*size = sh.sh_size;
	}
	return true;
}

/* Whether a section names Go's build info or its line table. */
static bool go_sections(int fd, const struct elf_view *e)
{
	static char names[65536];
	uint32_t nm;
	uint64_t off, size;
	size_t len;

	if (!e->shnum || e->shstrndx >= e->shnum || !shdr(fd, e, e->shstrndx, &nm, &off, &size))
		return false;
	len = size < sizeof(names) - 1 ? (size_t)size : sizeof(names) - 1;
	if (!pread_all(fd, names, len, (off_t)off))
		return false;
	names[len] = 0;
	for (unsigned i = 0; i < e->shnum; i++) {
		if (!shdr(fd, e, i, &nm, &off, &size) || nm >= len)
			continue;
		if (!strcmp(names + nm, ".go.buildinfo") || !strcmp(names + nm, ".note.go.buildid") ||
		    !strcmp(names + nm, ".gopclntab"))
			return true;
	}
	return false;
}

/* An ELF file (either class, this machine's byte order): static or Go? 0 fine, -1 refused. */
static int check_elf(int fd, const char *path, const unsigned char *ident, char *why,
		     size_t whylen)
{
	struct elf_view e = { .is64 = ident[EI_CLASS] == ELFCLASS64 };
	bool interp = false, go = false;

	if (ident[EI_CLASS] == ELFCLASS64) {
		Elf64_Ehdr eh;

		if (!pread_all(fd, &eh, sizeof(eh), 0))
			goto truncated;
		e = (struct elf_view){ true, eh.e_phoff, eh.e_shoff, eh.e_phnum, eh.e_shnum,
				       eh.e_shstrndx };
	} else if (ident[EI_CLASS] == ELFCLASS32) {
		Elf32_Ehdr eh;

		if (!pread_all(fd, &eh, sizeof(eh), 0))
			goto truncated;
		e = (struct elf_view){ false, eh.e_phoff, eh.e_shoff, eh.e_phnum, eh.e_shnum,
				       eh.e_shstrndx };
	} else {
		snprintf(why, whylen, "%s: an ELF file of an unknown class", path);
		return -1;
	}
	if (e.phnum > TARGET_PHNUM_MAX || e.shnum > TARGET_SHNUM_MAX) {
		snprintf(why, whylen, "%s: an ELF file with too many headers", path);
		return -1;
	}
	for (unsigned i = 0; i < e.phnum; i++) {
		uint32_t type;
		uint64_t off, size;

		if (!phdr(fd, &e, i, &type, &off, &size))
			break;
		if (type == PT_INTERP)
			interp = true;
		if (type == PT_NOTE && go_note(fd, (off_t)off, size))
			go = true;
	}
	if (go || go_sections(fd, &e)) {
		snprintf(why, whylen,
			 "%s is a Go program: it makes its system calls itself, so the shim would "
			 "never see its connections",
			 path);
		return -1;
	}
	if (!interp) {
		snprintf(why, whylen,
			 "%s is statically linked: there is no dynamic loader to preload the shim into",
			 path);
		return -1;
	}
	return 0;
truncated:
	snprintf(why, whylen, "%s: a truncated ELF file", path);
	return -1;
}

static int check(const char *cmd, char *path, size_t pathlen, char *why, size_t whylen,
		 unsigned depth)
{
	unsigned char head[256];
	struct stat st;
	ssize_t n;
	int fd, r;

	if (find(cmd, path, pathlen) < 0) {
		snprintf(why, whylen, "%s: %s", cmd, strerror(errno));
		return -2;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -2;
	}
	if (st.st_mode & (S_ISUID | S_ISGID)) {
		snprintf(why, whylen,
			 "%s is set%cid: the loader ignores LD_PRELOAD for it, so it would reach "
			 "the network unprotected",
			 path, st.st_mode & S_ISUID ? 'u' : 'g');
		close(fd);
		return -1;
	}
	n = pread(fd, head, sizeof(head) - 1, 0);
	if (n >= 4 && !memcmp(head, ELFMAG, SELFMAG)) {
		r = check_elf(fd, path, head, why, whylen);
		close(fd);
		return r;
	}
	close(fd);
	if (n >= 2 && head[0] == '#' && head[1] == '!') {
		/* a script: its interpreter is what runs ("#!/usr/bin/env python3": python3) */
		char interp[PATH_MAX], arg[PATH_MAX] = "", sub[PATH_MAX];

		head[n] = 0;
		head[strcspn((char *)head, "\n")] = 0;
		if (depth >= TARGET_DEPTH_MAX ||
		    sscanf((char *)head + 2, " %4095s %4095s", interp, arg) < 1) {
			snprintf(why, whylen, "%s: cannot tell what runs it", path);
			return -1;
		}
		if (!strcmp(interp, "/usr/bin/env") && arg[0] && arg[0] != '-')
			r = check(arg, sub, sizeof(sub), why, whylen, depth + 1);
		else
			r = check(interp, sub, sizeof(sub), why, whylen, depth + 1);
		return r;
	}
	snprintf(why, whylen, "%s: not a program this machine runs (neither ELF nor #!)", path);
	return -1;
}

int target_check(const char *cmd, char *path, size_t pathlen, char *why, size_t whylen)
{
	return check(cmd, path, pathlen, why, whylen, 0);
}
