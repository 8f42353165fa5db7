#!/usr/bin/python3
"""bench/torch_ppo.py: the PyTorch peer of `drl2move bench learner`.

One PPO minibatch update, the same as learner/ppo.c ppo_minibatch_step: policy MLP obs 309 ->
512 -> 512 (tanh) -> 80 with a state-independent log-std, separate value MLP 309 -> 512 -> 512 -> 1,
per-minibatch advantage normalisation, clipped surrogate, clipped value loss, entropy bonus,
backward, global grad-norm clip 0.5, Adam (eps 1e-5).

Protocol (driven by the C benchmark so both sides run interleaved in one invocation):
  argv: THREADS. stdin lines "B SECONDS"; for each, stdout "result B STEPS ELAPSED SAMPLES_PER_S".
  The first stdout line starts with "info" and states versions and settings.
Run with Debian's /usr/bin/python3 (python3-torch).
"""
import math
import os
import sys
import time

import torch

OBS, HID, ACT = 309, 512, 80


def mlp(i, o):
    return torch.nn.Sequential(torch.nn.Linear(i, HID), torch.nn.Tanh(), torch.nn.Linear(HID, HID), torch.nn.Tanh(),
                               torch.nn.Linear(HID, o))


def blas_library():
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() or "blis" in line.lower()}
        return ",".join(sorted(os.path.realpath(p) for p in libs if p.startswith("/"))) or "?"
    except OSError:
        return "?"


def main():
    threads = int(sys.argv[1])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    pi, v = mlp(OBS, ACT), mlp(OBS, 1)
    log_std = torch.nn.Parameter(torch.zeros(ACT))
    params = list(pi.parameters()) + [log_std] + list(v.parameters())
    opt = torch.optim.Adam(params, lr=3e-4, eps=1e-5)
    clip, vclip, ent_coef, vf_coef = 0.2, 0.2, 0.0, 0.5
    half_log_2pi = 0.5 * math.log(2 * math.pi)

    def step(obs, act, logp_old, v_old, adv, ret):
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        mu = pi(obs)
        logp = (-0.5 * ((act - mu) / log_std.exp()) ** 2 - log_std - half_log_2pi).sum(1)
        ratio = (logp - logp_old).exp()
        pg = torch.max(-adv * ratio, -adv * ratio.clamp(1 - clip, 1 + clip)).mean()
        val = v(obs).squeeze(1)
        vc = v_old + (val - v_old).clamp(-vclip, vclip)
        vl = 0.5 * torch.max((val - ret) ** 2, (vc - ret) ** 2).mean()
        ent = (log_std + 0.5 + half_log_2pi).sum()
        loss = pg + vf_coef * vl - ent_coef * ent
        opt.zero_grad(set_to_none=False)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 0.5)
        opt.step()

    env = " ".join(f"{k}={os.environ.get(k, '(unset)')}" for k in
                   ("BLIS_ARCH_TYPE", "BLIS_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS"))
    print(f"info torch {torch.__version__} set_num_threads({threads}) BLAS {blas_library()} {env}", flush=True)
    data = {}
    for line in sys.stdin:
        b, secs = line.split()
        b, secs = int(b), float(secs)
        if b not in data:
            g = torch.Generator().manual_seed(b)
            obs, act = torch.randn(b, OBS, generator=g), torch.randn(b, ACT, generator=g)
            with torch.no_grad():
                logp_old = (-0.5 * act ** 2 - half_log_2pi).sum(1) + 0.1 * torch.randn(b, generator=g)
            data[b] = (obs, act, logp_old, torch.randn(b, generator=g), torch.randn(b, generator=g),
                       torch.randn(b, generator=g))
        for _ in range(2):  # warm-up
            step(*data[b])
        n, t0 = 0, time.perf_counter()
        while True:
            step(*data[b])
            n += 1
            el = time.perf_counter() - t0
            if el >= secs and n >= 3:
                break
        print(f"result {b} {n} {el:.6f} {b * n / el:.1f}", flush=True)


if __name__ == "__main__":
    main()
