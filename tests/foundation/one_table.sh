#!/usr/bin/env bash
# tests/foundation/one_table.sh SOURCE_ROOT: every default lives in common/config.h's CONFIG_TABLE.
# Fails (naming file and line) when
#   1. a runtime folder (common nn proto envs actor learner) defines a *_default / *_defaults filler,
#      other than cfg_defaults itself, cfg_saved_defaults (the table's defaults with the old default of
#      each key whose default changed, for saved configs) and model_subject_default (the subject
#      file's reference adult: height, mass, per-muscle factors, which are not configuration keys);
#   2. any source (tests and benchmarks included) brace-initialises a module configuration struct
#      (ppo_config, amp_config, env_params, adam_config, ac_config) instead of filling it from a cfg_t.
# tests/learner/test_one_table.c checks the other half: each struct field follows its key.
set -uo pipefail
root=${1:?usage: one_table.sh SOURCE_ROOT}
cd "$root" || exit 2
bad=0
fillers=$(grep -rnE --include='*.c' '^[a-z].*\b[a-z0-9_]+_defaults?[[:space:]]*\([^;]*$' common nn proto envs actor learner |
  grep -vE '\b(cfg_defaults|cfg_saved_defaults|model_subject_default)[[:space:]]*\(')
if [ -n "$fillers" ]; then
  echo "FAIL: default fillers outside the config table (fill the struct from a cfg_t instead):"
  echo "$fillers"
  bad=1
fi
literal=$(grep -rnE --include='*.c' --include='*.h' \
  '\b(ppo_config|amp_config|env_params|adam_config|ac_config)[[:space:]]+[a-z_0-9]+[[:space:]]*=[[:space:]]*\{' \
  common nn proto envs mocap actor learner analysis bench deploy tests)
if [ -n "$literal" ]; then
  echo "FAIL: configuration structs written as literals (use *_from_cfg on cfg_with / CFG_WITH overrides):"
  echo "$literal"
  bad=1
fi
[ $bad -eq 0 ] && echo "PASS: no default fillers, no literal configuration structs"
exit $bad
