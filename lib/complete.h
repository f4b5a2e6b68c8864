/*
 * complete.h: `netdemo completion SHELL`, shell completion scripts made
 * from the option rows and the mode table.
 */
#ifndef ND_COMPLETE_H
#define ND_COMPLETE_H

#include <stddef.h>
#include <stdio.h>

struct nd_mode;

/*
 * Write the completion script of shell ("bash", "zsh" or "fish") for the
 * n modes to fp; -1 for a shell it does not know.
 */
int	complete_script(const char *shell, const struct nd_mode *const *modes,
	    size_t n, FILE *fp);

#endif
