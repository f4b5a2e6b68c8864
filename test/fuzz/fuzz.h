/* fuzz.h: what the libFuzzer harnesses share: exits turned into longjmp. */
#ifndef ND_FUZZ_H
#define ND_FUZZ_H

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"

static jmp_buf fuzz_jmp;

static inline void
fuzz_exit(int code)
{
	longjmp(fuzz_jmp, code + 1);
}

/* Fail the run with a message: a property did not hold. */
#define FUZZ_ASSERT(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "property failed: %s (%s:%d)\n", #c,	\
		    __FILE__, __LINE__);				\
		abort();						\
	}								\
} while (0)

#endif
