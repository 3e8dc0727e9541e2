"""scikit-learn's histogram-boosting tree grower (``TreeGrower``), compiled.

The tree is scikit-learn's, node for node, for the case the kernel covers (numeric features
without missing values, no constraints, every feature tried at every split). It repeats each
of scikit-learn's choices:

- histograms summed in float64 over the float32 gradients, in the order of the node's rows;
  the smaller child built from its rows, the larger one by subtracting it from the parent;
- the root's sums taken from feature 0's histogram with NumPy's pairwise summation
  (:func:`numpy_sum`), as ``TreeGrower`` does with ``ndarray.sum``;
- the split scan from left to right with its ``continue``/``break`` rules, the gain and node
  values with the same operations in the same order, the first feature with the largest gain;
- rows partitioned stably (left rows, then right rows, each in their order);
- best-first growth through a binary heap that follows CPython's ``heapq`` step for step, so
  that ties between gains are broken the same way; the leaf, depth and size rules in the same
  order; the leaves' values shrunk at the end.

What differs is the cost: scikit-learn makes a Python object per node and a Python call per
histogram, split search and partition; here one compiled call grows the whole tree. The
histograms span only the bins the data use rather than all 256.
"""

from __future__ import annotations

import numba as nb
import numpy as np

A = np.ndarray

_BLOCK = 128  # NumPy's PW_BLOCKSIZE
_NO_LIMIT = -1

# the columns of the node tables: integers (``ints``) and floats (``floats``)
DEPTH, COUNT, START, FEATURE, BIN, LEFT, SLOT, LEAF = range(8)
_N_INTS = 8
VALUE, SUM_G, SUM_H, GAIN = range(4)
SUM_G_LEFT, SUM_H_LEFT, SUM_G_RIGHT, SUM_H_RIGHT, VALUE_LEFT, VALUE_RIGHT = range(4, 10)
_N_FLOATS = 10


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _block_sum(a: A, start: int, n: int) -> float:  # pragma: no cover - compiled
    """NumPy's pairwise summation of at most ``_BLOCK`` values: eight running sums."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[start + i]
        return res
    r0, r1, r2, r3 = a[start], a[start + 1], a[start + 2], a[start + 3]
    r4, r5, r6, r7 = a[start + 4], a[start + 5], a[start + 6], a[start + 7]
    i = 8
    while i < n - n % 8:
        j = start + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[start + i]
        i += 1
    return float(res)


@nb.njit(cache=True, nogil=True, error_model="numpy")
def numpy_sum(a: A) -> float:  # pragma: no cover - compiled
    """``a.sum()`` for a float64 vector, in NumPy's pairwise order, bit for bit.

    NumPy halves a long vector (the first half a multiple of 8) until the parts fit a block,
    and adds the two halves' sums. The recursion runs on an explicit stack: numba's on-disk
    cache does not keep recursive functions safely.
    """
    starts = np.empty(64, np.int64)
    sizes = np.empty(64, np.int64)
    phases = np.zeros(64, np.int64)
    sums = np.empty(64)
    starts[0], sizes[0], top, n_sums = 0, a.shape[0], 1, 0
    while top > 0:
        start, n = starts[top - 1], sizes[top - 1]
        if n <= _BLOCK:
            sums[n_sums] = _block_sum(a, start, n)
            n_sums += 1
            top -= 1
            continue
        half = n // 2
        half -= half % 8
        phase = phases[top - 1]
        phases[top - 1] = phase + 1
        if phase == 2:
            n_sums -= 1
            sums[n_sums - 1] = sums[n_sums - 1] + sums[n_sums]
            top -= 1
            continue
        starts[top] = start if phase == 0 else start + half
        sizes[top] = half if phase == 0 else n - half
        phases[top] = 0
        top += 1
    return float(sums[0])


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _node_value(sum_gradient: float, sum_hessian: float, l2: float) -> float:  # pragma: no cover
    # splitting.compute_node_value without bounds (no monotonic constraints)
    return -sum_gradient / (sum_hessian + l2 + 1e-15)


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _heap_less(gain: A, a: int, b: int) -> bool:  # pragma: no cover - compiled
    return bool(gain[a] > gain[b])  # TreeNode.__lt__: the higher gain comes first


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _sift_down(heap: A, gain: A, startpos: int, pos: int) -> None:  # pragma: no cover
    newitem = heap[pos]
    while pos > startpos:
        parentpos = (pos - 1) >> 1
        parent = heap[parentpos]
        if _heap_less(gain, newitem, parent):
            heap[pos] = parent
            pos = parentpos
            continue
        break
    heap[pos] = newitem


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _sift_up(heap: A, gain: A, size: int, pos: int) -> None:  # pragma: no cover - compiled
    startpos = pos
    newitem = heap[pos]
    childpos = 2 * pos + 1
    while childpos < size:
        rightpos = childpos + 1
        if rightpos < size and not _heap_less(gain, heap[childpos], heap[rightpos]):
            childpos = rightpos
        heap[pos] = heap[childpos]
        pos = childpos
        childpos = 2 * pos + 1
    heap[pos] = newitem
    _sift_down(heap, gain, startpos, pos)


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _heap_push(heap: A, gain: A, size: int, node: int) -> int:  # pragma: no cover
    heap[size] = node
    _sift_down(heap, gain, 0, size)
    return size + 1


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _heap_pop(heap: A, gain: A, size: int) -> int:  # pragma: no cover - compiled
    size -= 1
    last = heap[size]
    if size == 0:
        return int(last)
    top = heap[0]
    heap[0] = last
    _sift_up(heap, gain, size, 0)
    return int(top)


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _histograms(  # pragma: no cover - compiled
    X: A, rows: A, n: int, root: bool, gradients: A, hessians: A, hist: A, ordered: A
) -> None:
    """One node's histograms over its ``n`` rows, ``rows[:n]`` (HistogramBuilder's brute path).

    ``hist[f, b]`` holds (sum of gradients, sum of hessians, count) of feature ``f``'s bin
    ``b``; each bin's sums are added up in row order, as scikit-learn's are. Two loop orders,
    by ``X``'s layout (see ``CompiledGrower``): a column-major ``X`` is read one feature at a
    time, over the node's gradients gathered into ``ordered``, as scikit-learn does. A
    row-major ``X`` (small histograms, chosen when all features' fit the L1 cache) has a row's
    features updated together: repeated additions to one bin of a feature with few distinct
    values then overlap with other features' instead of waiting on each other.
    """
    hist[:] = 0.0
    if X.strides[1] == 1:
        for i in range(n):
            row = i if root else rows[i]
            g, h = gradients[row], hessians[row]
            bins = X[row]
            for f in range(bins.shape[0]):
                b = bins[f]
                hist[f, b, 0] += g
                hist[f, b, 1] += h
                hist[f, b, 2] += 1.0
        return
    for i in range(n):
        row = i if root else rows[i]
        ordered[0, i] = gradients[row]
        ordered[1, i] = hessians[row]
    for f in range(X.shape[1]):
        column, counts = X[:, f], hist[f]
        for i in range(n):
            b = column[i if root else rows[i]]
            counts[b, 0] += ordered[0, i]
            counts[b, 1] += ordered[1, i]
            counts[b, 2] += 1.0


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _best_split(  # pragma: no cover - compiled
    hist: A, node: A, n_node: int, n_bins_non_missing: A, rules: A
) -> tuple[float, int, int]:
    """Splitter.find_node_split for one node (``n_node`` rows, its row of the float table).

    Returns ``(gain, feature, bin)``, a gain of -1 when no split is valid, and writes the
    children's sums and values into ``node[SUM_G_LEFT:]``.
    """
    min_samples_leaf, min_hessian, min_gain, l2 = rules[0], rules[1], rules[2], rules[3]
    sum_g, sum_h = node[SUM_G], node[SUM_H]
    loss_current = sum_g * node[VALUE]
    best_gain, best_feature, best_bin = -1.0, 0, 0
    for f in range(hist.shape[0]):
        sgl, shl, n_left = 0.0, 0.0, 0.0
        feature_gain, feature_bin, feature_sgl, feature_shl = -1.0, 0, 0.0, 0.0
        for b in range(n_bins_non_missing[f] - 1):
            n_left += hist[f, b, 2]
            n_right = n_node - n_left
            shl += hist[f, b, 1]
            shr = sum_h - shl
            sgl += hist[f, b, 0]
            sgr = sum_g - sgl
            if n_left < min_samples_leaf:
                continue
            if n_right < min_samples_leaf:
                break
            if shl < min_hessian:
                continue
            if shr < min_hessian:
                break
            gain = loss_current
            gain -= sgl * _node_value(sgl, shl, l2)
            gain -= sgr * _node_value(sgr, shr, l2)
            if gain > feature_gain and gain > min_gain:
                feature_gain, feature_bin = gain, b
                feature_sgl, feature_shl = sgl, shl
        if feature_gain > best_gain:
            best_gain, best_feature, best_bin = feature_gain, f, feature_bin
            node[SUM_G_LEFT], node[SUM_H_LEFT] = feature_sgl, feature_shl
    if best_gain > 0:
        node[SUM_G_RIGHT] = sum_g - node[SUM_G_LEFT]
        node[SUM_H_RIGHT] = sum_h - node[SUM_H_LEFT]
        node[VALUE_LEFT] = _node_value(node[SUM_G_LEFT], node[SUM_H_LEFT], l2)
        node[VALUE_RIGHT] = _node_value(node[SUM_G_RIGHT], node[SUM_H_RIGHT], l2)
    return best_gain, best_feature, best_bin


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _partition(  # pragma: no cover - compiled
    X: A, feature: int, partition: A, start: int, stop: int, threshold: int, buffer: A
) -> int:
    """Stable partition of ``partition[start:stop]`` on ``bin <= threshold``; the left count."""
    n_left, n_right = 0, 0
    for i in range(start, stop):
        row = partition[i]
        if X[row, feature] <= threshold:
            partition[start + n_left] = row
            n_left += 1
        else:
            buffer[n_right] = row
            n_right += 1
    partition[start + n_left : stop] = buffer[:n_right]
    return n_left


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _consider(  # pragma: no cover - compiled
    node: int, ints: A, floats: A, hist: A, n_bins_non_missing: A, rules: A, heap: A, n_heap: int
) -> int:
    """``_compute_best_split_and_push``: a node with a positive gain joins the heap, any other
    becomes a leaf. Returns the heap's new size."""
    n_node = ints[node, COUNT]
    gain, feature, bin_ = _best_split(hist, floats[node], n_node, n_bins_non_missing, rules)
    floats[node, GAIN], ints[node, FEATURE], ints[node, BIN] = gain, feature, bin_
    if gain <= 0:
        ints[node, LEAF] = 1
        return n_heap
    return _heap_push(heap, floats[:, GAIN], n_heap, node)


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _add_children(
    node: int, n_left: int, first: int, ints: A, floats: A
) -> None:  # pragma: no cover
    """The node's two children, at rows ``first`` and ``first + 1``, from its split's sums."""
    ints[node, LEFT] = first
    for side in range(2):
        child = first + side
        ints[child, DEPTH] = ints[node, DEPTH] + 1
        ints[child, START] = ints[node, START] + side * n_left
        ints[child, COUNT] = n_left if side == 0 else ints[node, COUNT] - n_left
        floats[child, SUM_G] = floats[node, SUM_G_LEFT + 2 * side]
        floats[child, SUM_H] = floats[node, SUM_H_LEFT + 2 * side]
        floats[child, VALUE] = floats[node, VALUE_LEFT + side]


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _root(  # pragma: no cover - compiled
    X: A,
    gradients: A,
    hessians: A,
    n_bins: int,
    ints: A,
    floats: A,
    hist: A,
    partition: A,
    ordered: A,
) -> None:
    """The root's histograms and sums: from feature 0's histogram, padded to ``n_bins`` bins
    as scikit-learn's is, in NumPy's summation order."""
    n = X.shape[0]
    _histograms(X, partition, n, True, gradients, hessians, hist, ordered)
    padded = np.zeros(n_bins)
    padded[: hist.shape[1]] = hist[0, :, 0]
    floats[0, SUM_G] = numpy_sum(padded)
    padded[: hist.shape[1]] = hist[0, :, 1]
    floats[0, SUM_H] = numpy_sum(padded)
    ints[0, COUNT] = n


@nb.njit(cache=True, nogil=True, error_model="numpy")
def grow(  # pragma: no cover - compiled
    X: A,
    gradients: A,
    hessians: A,
    n_bins_non_missing: A,
    n_bins: int,
    limits: A,
    rules: A,
    shrinkage: float,
) -> tuple[A, A, A]:
    """Grow one tree as ``TreeGrower.grow`` does.

    ``limits`` is (max_leaf_nodes, max_depth), -1 for none; ``rules`` is (min_samples_leaf,
    min_hessian_to_split, min_gain_to_split, l2_regularization). Returns ``(ints, floats,
    partition)``: the nodes in creation order (columns named by the module's constants; a split
    node's children are ``LEFT`` and ``LEFT + 1``, a node's rows are
    ``partition[START:START + COUNT]``).
    """
    n, p = X.shape
    max_leaf_nodes, max_depth, min_samples_leaf = limits[0], limits[1], int(rules[0])
    max_leaves = max(1, n // max(1, min_samples_leaf))
    if max_leaf_nodes != _NO_LIMIT:
        max_leaves = min(max_leaves, max_leaf_nodes)
    ints = np.zeros((2 * max_leaves + 1, _N_INTS), np.int64)
    floats = np.zeros((2 * max_leaves + 1, _N_FLOATS))
    floats[:, GAIN] = -1.0  # a node never searched for a split
    hist = np.empty((max_leaves + 3, p, np.max(n_bins_non_missing), 3))
    free = list(range(max_leaves + 2, -1, -1))  # histogram slots
    heap = np.zeros(2 * max_leaves + 1, np.int64)
    partition = np.arange(n).astype(np.uint32)
    buffer = np.empty(n, np.uint32)
    ordered = np.empty((2, n), np.float32)  # a node's gradients and hessians, gathered

    ints[0, SLOT] = free.pop()
    _root(X, gradients, hessians, n_bins, ints, floats, hist[ints[0, SLOT]], partition, ordered)
    n_heap, n_leaves, n_nodes = 0, 0, 1
    if n < 2 * min_samples_leaf or floats[0, SUM_H] < rules[1]:
        ints[0, LEAF] = 1
    else:
        n_heap = _consider(0, ints, floats, hist[ints[0, SLOT]], n_bins_non_missing, rules, heap, 0)
    n_leaves += ints[0, LEAF]

    while n_heap > 0:
        node = _heap_pop(heap, floats[:, GAIN], n_heap)
        n_heap -= 1
        start, stop = ints[node, START], ints[node, START] + ints[node, COUNT]
        n_left = _partition(X, ints[node, FEATURE], partition, start, stop, ints[node, BIN], buffer)
        left, right = n_nodes, n_nodes + 1
        n_nodes += 2
        _add_children(node, n_left, left, ints, floats)
        if max_leaf_nodes != _NO_LIMIT and n_leaves + n_heap + 2 == max_leaf_nodes:
            for i in range(n_heap):
                ints[heap[i], LEAF] = 1
            ints[left, LEAF] = ints[right, LEAF] = 1
            break
        if max_depth != _NO_LIMIT and ints[left, DEPTH] == max_depth:
            ints[left, LEAF] = ints[right, LEAF] = 1
        for child in (left, right):
            if ints[child, COUNT] < 2 * min_samples_leaf:
                ints[child, LEAF] = 1
        if ints[left, LEAF] and ints[right, LEAF]:
            free.append(ints[node, SLOT])
            n_leaves += 2
            continue
        # the smaller child's histograms from its rows, the larger's by subtraction
        small, large = (left, right) if ints[left, COUNT] < ints[right, COUNT] else (right, left)
        ints[small, SLOT], ints[large, SLOT] = free.pop(), ints[node, SLOT]
        rows = partition[ints[small, START] :]
        small_hist = hist[ints[small, SLOT]]
        _histograms(X, rows, ints[small, COUNT], False, gradients, hessians, small_hist, ordered)
        hist[ints[large, SLOT]] -= hist[ints[small, SLOT]]
        for child in (left, right):
            if not ints[child, LEAF]:
                slot = hist[ints[child, SLOT]]
                n_heap = _consider(
                    child, ints, floats, slot, n_bins_non_missing, rules, heap, n_heap
                )
        for child in (left, right):
            if ints[child, LEAF]:
                free.append(ints[child, SLOT])
                n_leaves += 1

    for i in range(n_nodes):
        if ints[i, LEAF]:
            floats[i, VALUE] *= shrinkage
    return ints[:n_nodes], floats[:n_nodes], partition


@nb.njit(cache=True, nogil=True, error_model="numpy")
def preorder(left: A, is_leaf: A) -> A:  # pragma: no cover - compiled
    """The nodes in depth-first order, left child first: the predictor's node order."""
    order = np.empty(left.shape[0], np.int64)
    stack = np.empty(left.shape[0], np.int64)
    stack[0], top, k = 0, 1, 0
    while top > 0:
        top -= 1
        node = stack[top]
        order[k] = node
        k += 1
        if not is_leaf[node]:
            stack[top] = left[node] + 1
            stack[top + 1] = left[node]
            top += 2
    return order


@nb.njit(cache=True, nogil=True, error_model="numpy")
def add_leaf_values(raw: A, partition: A, ints: A, floats: A) -> None:  # pragma: no cover
    """``raw[rows of each leaf] += leaf value`` (``_update_raw_predictions``)."""
    for node in range(ints.shape[0]):
        if ints[node, LEAF]:
            start = ints[node, START]
            for i in range(start, start + ints[node, COUNT]):
                raw[partition[i]] += floats[node, VALUE]
