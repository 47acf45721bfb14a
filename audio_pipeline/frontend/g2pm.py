"""g2pM's BiLSTM, run on a batch of sentences at once: its reading of every polyphone, how sure it
is, and the readings the polyphone can have.

g2pM's own ``predict`` runs one sentence at a time, gives only the argmax, and projects the inputs
step by step; this runs its weights (numpy, from its wheel) over the sentences together, in batches
of sentences of about the same length: the network steps through a batch once per character of its
longest sentence, so one batch of everything would spend most of its steps on padding.
"""

from __future__ import annotations

import functools


#: At most this many sentences run together ...
_BATCH = 64
#: ... and how they are grouped: a batch costs about ``(_STEP + its size)`` row-steps per character
#: of its longest sentence (measured: a step costs about 20 µs, and 9 µs more per sentence in it).
_STEP = 2.2


def g2pm_readings(texts: list[str]) -> list[tuple[tuple, tuple, tuple]]:
    """Per sentence: g2pM's reading of each polyphone, the probability it gives it, and the
    polyphone's possible readings (empty for other characters). Each sentence's result is its own,
    whatever the sentences run with it."""
    order = sorted(range(len(texts)), key=lambda k: len(texts[k]))
    out: list = [None] * len(texts)
    for first, end in _groups([len(texts[k]) + 2 for k in order]):
        batch = order[first:end]
        for k, result in zip(batch, _batch_readings([texts[k] for k in batch])):
            out[k] = result
    return out


def _groups(lengths: list[int]) -> list[tuple[int, int]]:
    """The cheapest split of ``lengths`` (ascending) into runs of at most :data:`_BATCH`, as
    ``(first, end)`` index pairs: each run costs its longest length times ``_STEP`` plus its size.

    >>> _groups([10, 10, 11, 60])
    [(0, 3), (3, 4)]
    """
    best, cut = [0.0] + [float("inf")] * len(lengths), [0] * (len(lengths) + 1)
    for end in range(1, len(lengths) + 1):
        for first in range(max(0, end - _BATCH), end):
            cost = best[first] + lengths[end - 1] * (_STEP + end - first)
            if cost < best[end]:
                best[end], cut[end] = cost, first
    runs, end = [], len(lengths)
    while end:
        runs.append((cut[end], end))
        end = cut[end]
    return runs[::-1]


def _batch_readings(texts: list[str]) -> list[tuple[tuple, tuple, tuple]]:
    import numpy as np

    model = g2pm_model()
    unknown, begin, end = model.char2idx["<UNK>"], model.char2idx["시"], model.char2idx["끝"]
    sequences, targets = [], []
    for text in texts:
        # g2pM's own framing: begin and end tokens around the sentence.
        sequences.append([begin, *(model.char2idx.get(c, unknown) for c in text), end])
        targets.append([i for i, c in enumerate(text) if len(model.cedict.get(c, ())) > 1])
    logits = _logits(model, sequences, targets) if any(targets) else [None] * len(texts)
    out = []
    for text, polys, rows in zip(texts, targets, logits):
        readings: list[str | None] = [None] * len(text)
        sureness = [1.0] * len(text)
        candidates: list[tuple[str, ...]] = [()] * len(text)
        for row, i in zip(rows if rows is not None else (), polys):
            probs = np.exp(row - row.max())
            best = int(np.argmax(row))
            readings[i] = model.idx2class[best].replace("u:", "v")
            sureness[i] = float(probs[best] / probs.sum())
            candidates[i] = tuple(c.replace("u:", "v") for c in model.cedict[text[i]])
        out.append((tuple(readings), tuple(sureness), tuple(candidates)))
    return out


def _logits(model, sequences: list[list[int]], targets: list[list[int]]):
    """g2pM's BiLSTM and classifier on a batch of sentences, returning logits for the target
    positions (+1 for the begin token) of each. Its own ``predict`` runs one sentence at a time,
    gives only the argmax, and projects the inputs step by step: this does it all at once."""
    import numpy as np

    lengths = [len(seq) for seq in sequences]
    steps = max(lengths)
    forward = np.zeros((len(sequences), steps), dtype=np.int64)
    backward = np.zeros_like(forward)
    for b, seq in enumerate(sequences):
        forward[b, :len(seq)] = seq
        backward[b, :len(seq)] = seq[::-1]
    w = model
    fw = _lstm(w.embeddings[forward], w.weight_ih, w.weight_hh, w.bias_ih + w.bias_hh)
    bw = _lstm(w.embeddings[backward], w.weight_ih_reverse, w.weight_hh_reverse,
               w.bias_ih_reverse + w.bias_hh_reverse)
    out = []
    for b, (length, polys) in enumerate(zip(lengths, targets)):
        if not polys:
            out.append(None)
            continue
        at = np.array(polys) + 1
        hidden = np.concatenate([fw[b, at], bw[b, length - 1 - at]], axis=1)
        out.append(model.fc_layer(hidden))
    return out


def _lstm(inputs, w_ih, w_hh, bias):
    """One LSTM direction (PyTorch gate order i, f, g, o) over a batch; hidden states per step.
    sigmoid(x) = (1 + tanh(x/2)) / 2, so the halving is folded into the weights and each step
    takes one tanh for all four gates."""
    import numpy as np

    size = w_hh.shape[1]
    scale = np.full(4 * size, 0.5)
    scale[2 * size:3 * size] = 1.0
    projected = (inputs @ w_ih.T + bias) * scale
    recurrent = w_hh.T * scale
    h = np.zeros((inputs.shape[0], size))
    c = np.zeros_like(h)
    out = np.empty((inputs.shape[0], inputs.shape[1], size))
    for t in range(inputs.shape[1]):
        gates = np.tanh(projected[:, t] + h @ recurrent)
        gates[:, :2 * size] += 1.0
        gates[:, 3 * size:] += 1.0
        c = 0.5 * gates[:, size:2 * size] * c + 0.5 * gates[:, :size] * gates[:, 2 * size:3 * size]
        h = 0.5 * gates[:, 3 * size:] * np.tanh(c)
        out[:, t] = h
    return out


@functools.cache
def g2pm_model():
    from g2pM import G2pM

    return G2pM()
