/*
 * complete.c: the shell completion scripts of `netdemo completion SHELL`,
 * written from the option rows (opts_info) and the mode table, so that
 * they can never disagree with the parser: the modes, each mode's options,
 * the values of -f, interface names for -I (read from /sys/class/net when
 * the user presses Tab) and host names for addresses.
 */
#include <stdio.h>
#include <string.h>

#include "complete.h"
#include "mode.h"
#include "opts.h"

#ifndef ND_VERSION
#define ND_VERSION "unknown"
#endif

/* What completes an option's argument. */
enum vclass { V_NONE, V_WORDS, V_IFACE, V_HOST };

static enum vclass
vclass(const struct opt_info *oi)
{
	if (oi->values != NULL)
		return V_WORDS;
	if (oi->arg == NULL)
		return V_NONE;
	if (strcmp(oi->arg, "ADDR|NAME") == 0)
		return V_IFACE;
	if (strcmp(oi->arg, "ADDR") == 0)
		return V_HOST;
	return V_NONE;
}

/*
 * s in zsh single quotes, with a backslash before each of special: "[]\\"
 * in an _arguments explanation, ":\\" in a _describe entry.
 */
static void
zsh_text(FILE *fp, const char *s, const char *special)
{
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", fp);
		else if (strchr(special, *s) != NULL)
			fprintf(fp, "\\%c", *s);
		else
			fputc(*s, fp);
}

/* s in fish single quotes: \ and ' escaped. */
static void
fish_quoted(FILE *fp, const char *s)
{
	fputc('\'', fp);
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			fputc('\\', fp);
		fputc(*s, fp);
	}
	fputc('\'', fp);
}

static void
header(FILE *fp, const char *shell)
{
	fprintf(fp, "# netdemo(1) completion for %s, written by `netdemo "
	    "completion %s`\n# (netdemo %s) from its option table: do not "
	    "edit, generate it again.\n", shell, shell, ND_VERSION);
}

/* "-H --host" of every row whose argument is completed as class c. */
static void
bash_case(FILE *fp, enum vclass c)
{
	struct opt_info oi;
	const char *sep = "\t";

	for (int id = 0; id < O_NROWS; id++) {
		if (!opts_info(NULL, id, &oi) || oi.arg == NULL ||
		    vclass(&oi) != c)
			continue;
		if (oi.key)
			fprintf(fp, "%s-%c", sep, oi.key), sep = " | ";
		fprintf(fp, "%s--%s", sep, oi.name);
		sep = " | ";
	}
}

static void
bash(const struct nd_mode *const *modes, size_t n, FILE *fp)
{
	struct opt_info oi;

	header(fp, "bash");
	fputs("\n_netdemo()\n{\n"
	    "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev='' opts\n"
	    "\t((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
	    "\t# bash splits --format=json at the '=' (COMP_WORDBREAKS).\n"
	    "\tif [[ $cur == = ]]; then\n\t\tcur=''\n"
	    "\telif [[ $prev == = ]] && ((COMP_CWORD > 1)); then\n"
	    "\t\tprev=${COMP_WORDS[COMP_CWORD - 2]}\n\tfi\n"
	    "\tCOMPREPLY=()\n"
	    "\tif ((COMP_CWORD == 1)); then\n"
	    "\t\tmapfile -t COMPREPLY < <(compgen -W '", fp);
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "%s ", modes[i]->name);
	fputs("help completion --help --version' -- \"$cur\")\n"
	    "\t\treturn 0\n\tfi\n"
	    "\tcase ${COMP_WORDS[1]} in\n"
	    "\thelp)\n"
	    "\t\t((COMP_CWORD == 2)) &&\n"
	    "\t\t\tmapfile -t COMPREPLY < <(compgen -W '", fp);
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "%s%s", i ? " " : "", modes[i]->name);
	fputs("' -- \"$cur\")\n\t\treturn 0 ;;\n"
	    "\tcompletion)\n"
	    "\t\t((COMP_CWORD == 2)) &&\n"
	    "\t\t\tmapfile -t COMPREPLY < <(compgen -W 'bash zsh fish' -- "
	    "\"$cur\")\n\t\treturn 0 ;;\n", fp);
	for (size_t i = 0; i < n; i++) {
		const char *sep = "";

		fprintf(fp, "\t%s)\n\t\topts='", modes[i]->name);
		for (int id = 0; id < O_NROWS; id++) {
			if (!opts_info(modes[i], id, &oi))
				continue;
			if (oi.key)
				fprintf(fp, "%s-%c", sep, oi.key), sep = " ";
			fprintf(fp, "%s--%s", sep, oi.name);
			sep = " ";
		}
		fputs("' ;;\n", fp);
	}
	fputs("\t*)\n\t\treturn 0 ;;\n\tesac\n\tcase $prev in\n", fp);
	for (int id = 0; id < O_NROWS; id++)
		if (opts_info(NULL, id, &oi) && vclass(&oi) == V_WORDS) {
			if (oi.key)
				fprintf(fp, "\t-%c | ", oi.key);
			else
				fputc('\t', fp);
			fprintf(fp, "--%s)\n\t\tmapfile -t COMPREPLY < "
			    "<(compgen -W '%s' -- \"$cur\")\n\t\treturn 0 ;;\n",
			    oi.name, oi.values);
		}
	bash_case(fp, V_IFACE);
	fputs(")\n\t\tmapfile -t COMPREPLY < <(compgen -W \"$(command ls "
	    "/sys/class/net 2>/dev/null)\" -- \"$cur\")\n\t\treturn 0 ;;\n",
	    fp);
	bash_case(fp, V_HOST);
	fputs(")\n\t\tmapfile -t COMPREPLY < <(compgen -A hostname -- "
	    "\"$cur\")\n\t\treturn 0 ;;\n", fp);
	/* Any other option's argument: nothing to offer, and no options. */
	bash_case(fp, V_NONE);
	fputs(")\n\t\treturn 0 ;;\n\tesac\n"
	    "\tmapfile -t COMPREPLY < <(compgen -W \"$opts\" -- \"$cur\")\n"
	    "}\n\ncomplete -F _netdemo netdemo\n", fp);
}

/* One _arguments spec of form (-H or --host) for zsh. */
static void
zsh_spec(FILE *fp, const struct nd_mode *m, const struct opt_info *oi,
    bool lng)
{
	struct opt_info o;

	fputs(" \\\n\t\t'", fp);
	if (oi->repeats)
		fputc('*', fp);
	else {
		/* Not twice, and not with a row it excludes. */
		fputc('(', fp);
		for (int id = 0; id < O_NROWS; id++) {
			if (!opts_info(m, id, &o) || (strcmp(o.name, oi->name)
			    != 0 && (oi->excl == 0 || o.excl != oi->excl)))
				continue;
			if (o.key)
				fprintf(fp, "-%c ", o.key);
			fprintf(fp, "--%s ", o.name);
		}
		fputc(')', fp);
	}
	if (lng)
		fprintf(fp, "--%s%s[", oi->name, oi->arg ? "=" : "");
	else
		fprintf(fp, "-%c%s[", oi->key, oi->arg ? "+" : "");
	zsh_text(fp, oi->help, "[]\\");
	fputc(']', fp);
	if (oi->arg != NULL) {
		fputc(':', fp);
		zsh_text(fp, oi->arg, ":\\");
		switch (vclass(oi)) {
		case V_WORDS:
			fprintf(fp, ":(%s)", oi->values);
			break;
		case V_IFACE:
			fputs(":_net_interfaces", fp);
			break;
		case V_HOST:
			fputs(":_hosts", fp);
			break;
		case V_NONE:
			fputs(": ", fp);
			break;
		}
	}
	fputc('\'', fp);
}

static void
zsh(const struct nd_mode *const *modes, size_t n, FILE *fp)
{
	struct opt_info oi;

	fputs("#compdef netdemo\n", fp);
	header(fp, "zsh");
	fputs("\n_netdemo() {\n\tlocal -a modes\n\tmodes=(\n", fp);
	for (size_t i = 0; i < n; i++) {
		fputs("\t\t'", fp);
		zsh_text(fp, modes[i]->name, ":\\");
		fputc(':', fp);
		zsh_text(fp, modes[i]->summary, ":\\");
		fputs("'\n", fp);
	}
	fputs("\t)\n\tif ((CURRENT == 2)); then\n"
	    "\t\tif [[ $PREFIX == -* ]]; then\n"
	    "\t\t\tcompadd -- --help --version\n\t\telse\n"
	    "\t\t\t_describe -t modes 'netdemo mode' modes\n"
	    "\t\t\tcompadd -- help completion\n\t\tfi\n\t\treturn\n\tfi\n"
	    "\tlocal mode=$words[2]\n"
	    "\t# The mode is the command _arguments completes for.\n"
	    "\tshift words\n\t((CURRENT--))\n"
	    "\tcase $mode in\n"
	    "\thelp)\n\t\t((CURRENT == 2)) && _describe -t modes 'netdemo "
	    "mode' modes ;;\n"
	    "\tcompletion)\n\t\t((CURRENT == 2)) && compadd -- bash zsh "
	    "fish ;;\n", fp);
	for (size_t i = 0; i < n; i++) {
		fprintf(fp, "\t%s)\n\t\t_arguments -s -S", modes[i]->name);
		for (int id = 0; id < O_NROWS; id++) {
			if (!opts_info(modes[i], id, &oi))
				continue;
			if (oi.key)
				zsh_spec(fp, modes[i], &oi, false);
			zsh_spec(fp, modes[i], &oi, true);
		}
		fputs(" ;;\n", fp);
	}
	fputs("\tesac\n}\n\n_netdemo \"$@\"\n", fp);
}

static void
fish(const struct nd_mode *const *modes, size_t n, FILE *fp)
{
	struct opt_info oi;

	header(fp, "fish");
	fputs("\n# The mode is the first word after netdemo.\n"
	    "function __netdemo_in\n"
	    "\tset -l w (commandline -opc)\n"
	    "\ttest (count $w) -ge 2; and test \"$w[2]\" = $argv[1]\n"
	    "end\n"
	    "function __netdemo_words\n"
	    "\ttest (count (commandline -opc)) -eq $argv[1]\n"
	    "end\n\n"
	    "complete -c netdemo -f\n"
	    "complete -c netdemo -n '__netdemo_words 1' -l help "
	    "-d 'list the modes and the options they share'\n"
	    "complete -c netdemo -n '__netdemo_words 1' -l version "
	    "-d 'the version and the build'\\''s features'\n"
	    "complete -c netdemo -n '__netdemo_words 1' -a help "
	    "-d 'a mode'\\''s help'\n"
	    "complete -c netdemo -n '__netdemo_words 1' -a completion "
	    "-d 'a completion script for bash, zsh or fish'\n"
	    "complete -c netdemo -n '__netdemo_in completion; and "
	    "__netdemo_words 2' -a 'bash zsh fish'\n", fp);
	for (size_t i = 0; i < n; i++) {
		fprintf(fp, "complete -c netdemo -n '__netdemo_words 1' -a %s "
		    "-d ", modes[i]->name);
		fish_quoted(fp, modes[i]->summary);
		fprintf(fp, "\ncomplete -c netdemo -n '__netdemo_in help; and "
		    "__netdemo_words 2' -a %s -d ", modes[i]->name);
		fish_quoted(fp, modes[i]->summary);
		fputc('\n', fp);
	}
	for (size_t i = 0; i < n; i++) {
		fputc('\n', fp);
		for (int id = 0; id < O_NROWS; id++) {
			if (!opts_info(modes[i], id, &oi))
				continue;
			fprintf(fp, "complete -c netdemo -n '__netdemo_in %s'",
			    modes[i]->name);
			if (oi.key)
				fprintf(fp, " -s %c", oi.key);
			fprintf(fp, " -l %s", oi.name);
			if (oi.arg != NULL)
				fputs(" -x", fp);
			switch (vclass(&oi)) {
			case V_WORDS:
				fputs(" -a ", fp);
				fish_quoted(fp, oi.values);
				break;
			case V_IFACE:
				fputs(" -a '(string replace -r \".*/\" \"\" "
				    "/sys/class/net/*)'", fp);
				break;
			case V_HOST:
				fputs(" -a '(__fish_print_hostnames)'", fp);
				break;
			case V_NONE:
				break;
			}
			fputs(" -d ", fp);
			fish_quoted(fp, oi.help);
			fputc('\n', fp);
		}
	}
}

int
complete_script(const char *shell, const struct nd_mode *const *modes,
    size_t n, FILE *fp)
{
	if (strcmp(shell, "bash") == 0)
		bash(modes, n, fp);
	else if (strcmp(shell, "zsh") == 0)
		zsh(modes, n, fp);
	else if (strcmp(shell, "fish") == 0)
		fish(modes, n, fp);
	else
		return -1;
	return 0;
}
