/* tests/analysis/eval_fixture.h: what the eval tests of tests/analysis share. */
#ifndef D2M_TEST_EVAL_FIXTURE_H
#define D2M_TEST_EVAL_FIXTURE_H

/* A policy file at `path` for a fresh net of `task` (hidden 32,32; empty obs statistics), written by
 * policy_write, the code that lays out the policy sections of the learner's checkpoints too
 * (test_eval.c). */
void write_fresh_checkpoint(const char *path, const char *task);

#endif
