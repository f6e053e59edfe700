#!/bin/bash
# One GPU call of the axiomatic-training runs (see docs/axiomatic.rst): build the data pools in bulk,
# train several variants side by side on the one GPU (each stops after MINUTES and saves), score them on
# the evaluation sets, and pack what comes back into $OUT.
# Usage: bash benchmarks/run_axiomatic_gpu.sh MINUTES "NAME:TASK:POS[:extra --set args]" ...
# Resumes NAME from .axiom_ckpt/NAME.safetensors when that file exists; otherwise, if
# .axiom_ckpt/NAME.init.safetensors exists, starts from those weights (--init-from).
set -u
MIN=$1; shift
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
OUT=${OUT:-/tmp/out}; mkdir -p $OUT /tmp/ax_logs
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv,noheader
python3 -c "import torch, numpy, networkx, safetensors; print('torch', torch.__version__, torch.cuda.is_available())"
DSEP_STAGES='stages=[[3,3],[3,4],[3,5],[3,6]]'
python3 benchmarks/train_axiomatic.py --preset gpu --task transitivity --out /tmp/ax_logs --name pool_t \
  --pool-cache /tmp/pool --only-data --workers 8 --set ${EXTRA_SET:-} > /tmp/ax_logs/pool_t.out 2>&1 &
python3 benchmarks/train_axiomatic.py --preset gpu --task dseparation --out /tmp/ax_logs --name pool_d \
  --pool-cache /tmp/pool --only-data --workers 7 --set "$DSEP_STAGES" ${EXTRA_SET:-} > /tmp/ax_logs/pool_d.out 2>&1 &
wait
tail -n 1 /tmp/ax_logs/pool_t.out /tmp/ax_logs/pool_d.out
pids=()
for spec in "$@"; do
  IFS=: read -r name task pos extra <<< "$spec"
  res=()
  if [ -f .axiom_ckpt/$name.safetensors ]; then res=(--resume .axiom_ckpt/$name.safetensors)
  elif [ -f .axiom_ckpt/$name.init.safetensors ]; then res=(--init-from .axiom_ckpt/$name.init.safetensors); fi
  sets=(); [ "$task" = dseparation ] && sets=("$DSEP_STAGES")
  [ -n "$extra" ] && sets+=($extra)
  sets+=(${EXTRA_SET:-})
  python3 benchmarks/train_axiomatic.py --preset gpu --task $task --pos $pos --name $name --out $OUT \
    --pool-cache /tmp/pool --workers 1 --max-minutes $MIN "${res[@]}" --set "${sets[@]}" > /tmp/ax_logs/$name.out 2>&1 &
  pids+=($!)
done
wait "${pids[@]}"
for spec in "$@"; do IFS=: read -r name rest <<< "$spec"; echo "== $name"; grep -E '"(stage|end|deadline)"' $OUT/$name.log | cut -c1-260; grep '"eval"' $OUT/$name.log | tail -n 2 | cut -c1-260; tail -n 3 /tmp/ax_logs/$name.out | grep -i error; done
python3 benchmarks/eval_axiomatic.py score --models $OUT/*.safetensors --out $OUT/scores.json \
  --data .axiom_ckpt/eval --device ${EVAL_DEVICE:-cuda} --limit ${EVAL_LIMIT:-0}
mkdir -p /tmp/pack && cp $OUT/*.log $OUT/scores.json /tmp/ax_logs/*.out /tmp/pack/ 2>/dev/null
tar czf $OUT/logs.tgz -C /tmp/pack . && rm -f $OUT/*.log $OUT/scores.json
ls -la $OUT
