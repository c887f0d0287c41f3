"""Template of the notebook engine_audit.md: its prose, and how its tables, figures and statements are read
from engine_audit.csv (every number in the page comes from the table at render time)."""
from notebooklib import *  # noqa: F401,F403 (helpers, svgplot and the standard-library modules they use)


@notebook("engine_audit.csv")
def engine_audit(rows, page):
    page.add("""# Engine audit: does the audit catch real bugs, and does it leave correct engines alone?

**Question.** `multidraft audit` tests an engine's trace: are the emitted tokens distributed as the target law
(output law), are the drafted tokens distributed as the q the engine reports (draft law)? How often does it flag a
correct engine, and how many emitted tokens does it need to flag each bug class that serving engines have shipped?

**Set-up.** A simulated engine serves the **real** pair of `Experiments/data/smollm2-135m/` (target
SmolLM2-135M-Instruct, draft `layerskip`, V = 49,152), cycling over its dense positions. Correct engines: one draft
per step and token-level speculative sampling (`correct`); two i.i.d. drafts and the toolkit's optimal verifier, RRS
or K-SEQ (`correct-optimal-k2`, `correct-rrs-k2`, `correct-kseq-k2`); a chain of γ = 2 drafts and block verification
(`correct-block-g2`, context-free at the position's laws). The trace always reports the true p and the true q at
T = 1. Re-created bug classes (re-creations of the mechanism, not of any engine's code):
- `accept-by-p` (a hypothetical bug class): accept a draft x with probability p(x), as if q(x) = 1; on rejection a
  token from p (masking the rejected token out of that p, as EAGLE's code does by its issue #329, makes the scheme
  lossless);
- `topk-q-reported-full` (transformers #47932): drafts from the top 10 tokens of q, verified and reported with q;
- `temperature-mismatch`: drafts from q at T = 1.2, verified and reported at T = 1;
- `bf16-draft` (DeepSpec #31): drafts from the softmax of the draft logits rounded to bfloat16;
- `block-tokenwise-unadjusted` (vllm-ascend #7807, as that code's design notes describe it): a chain of γ = 2 drafts,
  the longest prefix i with Π_{j≤i} min(1, p(x_j)/q(x_j)) ≥ Π_{j≤i} u_j accepted, the correction drawn from the
  token-wise residual norm((p − q)_+) instead of block verification's norm((w_τ p − q)_+). Its first emitted token
  has the law q(y) r(y)(1 + β ln(1/r(y))) + P(τ = 0) norm((p − q)_+)(y) (r = min(1, p/q), β = Σ min(p, q)): accepted
  tokens with p < q come out too often. Every emitted token of the block enters the test.

Each mechanism's output law is known exactly, so `tv_size` is the true total-variation distance of the output law
from p (mean over positions; for the block bug, of its first emitted token) and `draft_tv_size` that of the drafted
law from the reported q. The test is the audit's:
randomised probability-integral transforms (cells in decreasing probability) and Kolmogorov-Smirnov.

**Command.** `swift run -c release engine-audit --quick` (part of `bash Experiments/run-suite.sh --quick`).""")
    fp = [r for r in rows if r["kind"] == "false_positive"]
    if fp:
        page.add(f"## False positives of correct engines (level {fp[0]['level']}, {fp[0]['seeds']} seeds of {fp[0]['tokens']:,} tokens)\n\n"
                 "A correct engine should be flagged in about a `level` fraction of seeds; the Wilson 99 % interval of "
                 "the observed rate must contain the level.\n\n" + table(
            [dict(r, ok="yes" if r["ci_low"] <= r["level"] <= r["ci_high"] else "NO") for r in fp],
            ["mechanism", "test", "flagged", "rate", "ci_low", "ci_high", "ok"],
            ["engine", "test", "seeds flagged", "rate", "99% low", "99% high", "level inside"]))
    det = [r for r in rows if r["kind"] == "detection"]
    if det:
        page.add(f"## Tokens needed to flag each bug (p < 1e-3, median over {det[0]['seeds']} seeds, at most {det[0]['tokens']:,} tokens)\n\n"
                 "`tokens to flag`: the smallest number of emitted tokens on the grid 500, 1,000, 2,000, 5,000, ... at "
                 "which the test's p-value is below 1e-3 (`>N`: not within the run); `tv lower bound`: the audit's 99.9 % "
                 "lower confidence bound on the defect from all tokens (median over seeds), which must sit below the "
                 "true size.\n\n" + table(
            det, ["mechanism", "test", "tv_size", "draft_tv_size", "flagged", "median_tokens_to_flag", "tv_lower_bound"],
            ["mechanism", "test", "output TV from p (exact)", "drafted TV from reported q (exact)", "seeds flagged",
             "tokens to flag", "tv lower bound"], digits=4))
        sound = all((r["tv_lower_bound"] <= (r["tv_size"] if r["test"] == "output_law" else r["draft_tv_size"]) + 1e-12)
                    for r in det if isinstance(r["tv_lower_bound"], float))
        def first(m, test):
            cell = [r["median_tokens_to_flag"] for r in det if r["mechanism"] == m and r["test"] == test]
            return cell[0] if cell else ""
        notes = []
        for m in sorted({r["mechanism"] for r in det} - {"correct"}):
            o, d = first(m, "output_law"), first(m, "draft_law")
            size = [r["tv_size"] for r in det if r["mechanism"] == m][0]
            verdict = ("flagged" if isinstance(o, int) else "not flagged") + f" by the output-law test (median {o} tokens)"
            notes.append(f"- `{m}` (output TV {size:.4f}): {verdict}; draft-law test: median {d} tokens.")
        big = [r for r in det if r["test"] == "output_law" and r["tv_size"] >= 0.01]
        within = all(isinstance(r["median_tokens_to_flag"], int) and r["median_tokens_to_flag"] <= 100_000 for r in big)
        page.add(f"Every lower bound is below the exact size: **{'yes' if sound else 'NO'}**. Every bug whose output "
                 f"defect is at least 0.01 is flagged within 100,000 tokens (median): **{'yes' if within else 'NO'}**.\n\n"
                 + "\n".join(notes) + "\n\n`accept-by-p` drafts from the true q, so only the output-law test can see it; "
                 "a misreported draft law shows in both tests, usually first in the drafts.")
