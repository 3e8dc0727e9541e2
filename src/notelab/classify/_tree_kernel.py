"""scikit-learn's depth-first Gini tree builder (best splits), compiled, on ranked features.

The tree is scikit-learn's, node for node: the same random feature draws (its ``rand_r``
generator, its Fisher-Yates draw with the constant-feature bookkeeping), the same candidate
splits (ties within ``FEATURE_THRESHOLD`` in float32), the same Gini arithmetic, the same strict
``>`` between candidates, the same depth-first order of the nodes. Tests hold every node array
to ``DecisionTreeClassifier``'s.

What differs is how a node's rows are put in order of a feature. scikit-learn copies the
float32 values and sorts them with their row indices, in every node, for every feature it
draws. Here each feature is ranked once for the whole forest (:func:`feature_ranks`). A node
packs each row's rank, class and weight into one 64-bit key and sorts the keys: a radix sort
on the rank's bits for large nodes, an insertion sort for small ones. Only exact integer weights
are accepted (bootstrap counts, or none), so the class sums are exact whatever the order, and
every Gini value comes out bit for bit.
"""

from __future__ import annotations

import numba as nb
import numpy as np

A = np.ndarray

FEATURE_THRESHOLD = np.float32(1e-7)  # scikit-learn's, a float32 constant
EPSILON = np.finfo(np.float64).eps
RAND_R_MAX = 0x7FFFFFFF
TREE_LEAF, TREE_UNDEFINED = -1, -2
CLASS_BITS = 16  # the key: rank << 32 | class << 16 | weight
MAX_WEIGHT = (1 << CLASS_BITS) - 1
_SMALL = 48  # nodes up to this size are sorted by insertion


def feature_ranks(X: A) -> tuple[A, A, A]:
    """Each feature's distinct values, ranked: ``(ranks, values, offsets)``.

    ``ranks[f, i]`` is the position of ``X[i, f]`` among feature ``f``'s sorted distinct
    values, which are ``values[offsets[f]:offsets[f + 1]]`` (float32, as the trees compare
    them). One column at a time, so that the temporary arrays stay the size of a column: the
    ranks themselves take as much memory as the float32 copy of ``X`` that the trees read.
    """
    X = np.asarray(X, dtype=np.float32)
    n, p = X.shape
    ranks = np.empty((p, n), dtype=np.int32)
    distinct: list[A] = []
    for f in range(p):
        order = np.argsort(X[:, f], kind="stable")
        ordered = X[order, f]
        new = np.ones(n, dtype=bool)
        new[1:] = ordered[1:] != ordered[:-1]
        ranks[f, order] = np.cumsum(new, dtype=np.int32) - 1
        distinct.append(ordered[new])
    offsets = np.zeros(p + 1, dtype=np.int64)
    np.cumsum([len(d) for d in distinct], out=offsets[1:])
    values = np.concatenate(distinct) if distinct else np.empty(0, dtype=np.float32)
    return ranks, values.astype(np.float32, copy=False), offsets


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _rand_int(low: int, high: int, state: A) -> int:  # pragma: no cover - compiled
    """scikit-learn's ``rand_int``: ``low + our_rand_r(state) % (high - low)``."""
    seed = state[0]
    if seed == 0:
        seed = np.uint32(1)
    seed ^= np.uint32(seed << np.uint32(13))
    seed ^= np.uint32(seed >> np.uint32(17))
    seed ^= np.uint32(seed << np.uint32(5))
    state[0] = seed
    return low + int(seed % np.uint32(RAND_R_MAX + 1)) % (high - low)


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _sort_keys(keys: A, scratch: A, rank_bits: int) -> None:  # pragma: no cover - compiled
    """Sort ``keys`` by their rank (bits 32 and up); equal ranks may come in any order."""
    m = keys.size
    if m <= _SMALL:
        for i in range(1, m):
            key = keys[i]
            j = i - 1
            while j >= 0 and (keys[j] >> 32) > (key >> 32):
                keys[j + 1] = keys[j]
                j -= 1
            keys[j + 1] = key
        return
    digit_bits = 8 if m < 4096 else 11
    buckets = 1 << digit_bits
    mask = buckets - 1
    count = np.empty(buckets, dtype=np.int64)
    source, target = keys, scratch[:m]
    shift = 32
    while shift < 32 + rank_bits:
        count[:] = 0
        for i in range(m):
            count[(source[i] >> shift) & mask] += 1
        total = 0
        for b in range(buckets):
            c = count[b]
            count[b] = total
            total += c
        for i in range(m):
            b = (source[i] >> shift) & mask
            target[count[b]] = source[i]
            count[b] += 1
        source, target = target, source
        shift += digit_bits
    if source is not keys:
        keys[:] = source


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _gini_children(  # pragma: no cover - compiled
    left: A, total: A, w_left: float, w_right: float
) -> tuple[float, float]:
    """scikit-learn's ``Gini.children_impurity`` for one output."""
    sq_left = 0.0
    sq_right = 0.0
    for c in range(total.size):
        count = left[c]
        sq_left += count * count
        count = total[c] - left[c]
        sq_right += count * count
    gini_left = 0.0 + (1.0 - sq_left / (w_left * w_left))
    gini_right = 0.0 + (1.0 - sq_right / (w_right * w_right))
    return gini_left / 1.0, gini_right / 1.0


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _node_totals(samples: A, y: A, weights: A, total: A) -> float:  # pragma: no cover
    """Class sums and weight of a node's rows (exact: the weights are integers)."""
    total[:] = 0.0
    w_node = 0.0
    for s in samples:
        w = float(weights[s])
        total[y[s]] += w
        w_node += w
    return w_node


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _scan_feature(  # pragma: no cover - compiled
    keys: A,
    values: A,
    total: A,
    w_node: float,
    min_samples_leaf: int,
    min_weight_leaf: float,
    best: A,
    best_left: A,
    left: A,
) -> bool:
    """Every split of one feature's sorted keys, the best kept in ``best``; whether the
    feature is constant in the node.

    ``best`` holds ``(proxy, threshold, position)`` of the best split so far (the position is
    the number of rows on the left); it is replaced only by a strictly larger proxy, as
    scikit-learn's search does.
    """
    m = keys.size
    first, last = keys[0] >> 32, keys[m - 1] >> 32
    if values[last] <= values[first] + FEATURE_THRESHOLD:
        return True
    left[:] = 0.0
    w_left = 0.0
    previous = first
    for q in range(m):
        key = keys[q]
        rank = key >> 32
        if rank != previous:
            if values[rank] > values[previous] + FEATURE_THRESHOLD:
                n_right = m - q
                w_right = w_node - w_left
                if (
                    q >= min_samples_leaf
                    and n_right >= min_samples_leaf
                    and w_left >= min_weight_leaf
                    and w_right >= min_weight_leaf
                ):
                    impurity_left, impurity_right = _gini_children(left, total, w_left, w_right)
                    proxy = -w_right * impurity_right - w_left * impurity_left
                    if proxy > best[0]:
                        best[0] = proxy
                        best[1] = values[previous] / 2.0 + values[rank] / 2.0
                        best[2] = q
                        best_left[:] = left
            previous = rank
        w = float(key & MAX_WEIGHT)
        left[(key >> CLASS_BITS) & MAX_WEIGHT] += w
        w_left += w
    return False


@nb.njit(cache=True, nogil=True, error_model="numpy")
def build(  # pragma: no cover - compiled
    ranks: A,
    values: A,
    offsets: A,
    y: A,
    weights: A,
    n_classes: int,
    max_features: int,
    seed: int,
    limits: A,
) -> tuple[A, A, A, A, A, A, A, A, A, int]:
    """Grow one tree; its node arrays (as ``sklearn.tree._tree.Tree`` stores them) and depth.

    ``y`` holds class indices, ``weights`` integer row weights (0: not drawn); ``seed`` is
    the splitter's ``rand_r`` state; ``limits`` is ``(max_depth, min_samples_split,
    min_samples_leaf, min_weight_leaf, min_impurity_decrease)``.
    """
    max_depth, min_split, min_leaf = int(limits[0]), int(limits[1]), int(limits[2])
    min_weight_leaf, min_decrease = limits[3], limits[4]
    n_features, n = ranks.shape
    samples = np.empty(n, dtype=np.int64)
    m = 0
    w_all = 0.0
    for i in range(n):
        if weights[i] != 0:
            samples[m] = i
            m += 1
        w_all += float(weights[i])
    samples = samples[:m]
    rank_bits = np.empty(n_features, dtype=np.int64)
    for f in range(n_features):
        distinct = offsets[f + 1] - offsets[f]
        rank_bits[f] = max(1, int(np.ceil(np.log2(max(distinct, 2)))))
    capacity = max(2 * m - 1, 1)
    left_child = np.full(capacity, TREE_LEAF, dtype=np.int64)
    right_child = np.full(capacity, TREE_LEAF, dtype=np.int64)
    feature = np.full(capacity, TREE_UNDEFINED, dtype=np.int64)
    threshold = np.full(capacity, float(TREE_UNDEFINED))
    impurity = np.empty(capacity)
    n_node_samples = np.empty(capacity, dtype=np.int64)
    w_node_samples = np.empty(capacity)
    missing_left = np.zeros(capacity, dtype=np.uint8)
    value = np.empty((capacity, n_classes))
    features = np.arange(n_features)
    constant = np.empty(n_features, dtype=np.int64)
    state = np.array([seed], dtype=np.uint32)
    keys = np.empty(m, dtype=np.int64)
    scratch = np.empty(m, dtype=np.int64)
    total = np.empty(n_classes)
    left = np.empty(n_classes)
    best_left = np.empty(n_classes)
    best = np.empty(3)
    # the stack: start, end, depth, parent, is_left, n_constant_features; impurity apart
    stack = np.empty((capacity + 1, 6), dtype=np.int64)
    stack_impurity = np.empty(capacity + 1)
    stack[0] = (0, m, 0, -1, 0, 0)
    stack_impurity[0] = np.inf
    top, count, depth_seen, first = 1, 0, -1, True
    while top > 0:
        top -= 1
        start, end, depth, parent, is_left, n_known = stack[top]
        node_impurity = stack_impurity[top]
        node = samples[start:end]
        n_node = end - start
        w_node = _node_totals(node, y, weights, total)
        is_leaf = (
            depth >= max_depth
            or n_node < min_split
            or n_node < 2 * min_leaf
            or w_node < 2 * min_weight_leaf
        )
        if first:
            sq = 0.0
            for c in range(n_classes):
                sq += total[c] * total[c]
            node_impurity = (0.0 + (1.0 - sq / (w_node * w_node))) / 1.0
            first = False
        is_leaf = is_leaf or node_impurity <= EPSILON
        split_feature, split_at, n_total_constants = -1, end, n_known
        if not is_leaf:
            best[0] = -np.inf
            best[2] = n_node
            f_i, n_found, n_drawn, n_total_constants = n_features, 0, 0, n_known
            n_visited = 0
            while f_i > n_total_constants and (
                n_visited < max_features or n_visited <= n_found + n_drawn
            ):
                n_visited += 1
                f_j = _rand_int(n_drawn, f_i - n_found, state)
                if f_j < n_known:
                    features[n_drawn], features[f_j] = features[f_j], features[n_drawn]
                    n_drawn += 1
                    continue
                f_j += n_found
                f = features[f_j]
                row = ranks[f]
                node_keys = keys[:n_node]
                for q in range(n_node):
                    s = node[q]
                    node_keys[q] = (
                        (np.int64(row[s]) << 32) | (np.int64(y[s]) << CLASS_BITS) | weights[s]
                    )
                _sort_keys(node_keys, scratch, rank_bits[f])
                feature_values = values[offsets[f] : offsets[f + 1]]
                before = best[0]
                if _scan_feature(
                    node_keys, feature_values, total, w_node, min_leaf, min_weight_leaf,
                    best, best_left, left,
                ):  # fmt: skip
                    features[f_j], features[n_total_constants] = (
                        features[n_total_constants],
                        features[f_j],
                    )
                    n_found += 1
                    n_total_constants += 1
                    continue
                f_i -= 1
                features[f_i], features[f_j] = features[f_j], features[f_i]
                if best[0] > before:
                    split_feature = f
            features[:n_known] = constant[:n_known]
            constant[n_known:n_total_constants] = features[n_known:n_total_constants]
            if int(best[2]) < n_node:
                split_at = start + int(best[2])
        if not is_leaf and split_at < end:
            w_left = 0.0
            for c in range(n_classes):
                w_left += best_left[c]
            w_right = w_node - w_left
            impurity_left, impurity_right = _gini_children(best_left, total, w_left, w_right)
            improvement = (w_node / w_all) * (
                node_impurity
                - (w_right / w_node * impurity_right)
                - (w_left / w_node * impurity_left)
            )
            is_leaf = improvement + EPSILON < min_decrease
        else:
            is_leaf = True
        node_id = count
        count += 1
        if parent >= 0:
            if is_left:
                left_child[parent] = node_id
            else:
                right_child[parent] = node_id
        impurity[node_id] = node_impurity
        n_node_samples[node_id] = n_node
        w_node_samples[node_id] = w_node
        for c in range(n_classes):
            value[node_id, c] = total[c] / w_node
        if depth > depth_seen:
            depth_seen = depth
        if is_leaf:
            continue
        feature[node_id] = split_feature
        threshold[node_id] = best[1]
        missing_left[node_id] = 1 if 2 * best[2] > n_node else 0  # n_left > n_right
        _partition(node, ranks[split_feature], values[offsets[split_feature] :], best[1])
        stack[top] = (split_at, end, depth + 1, node_id, 0, n_total_constants)
        stack_impurity[top] = impurity_right
        stack[top + 1] = (start, split_at, depth + 1, node_id, 1, n_total_constants)
        stack_impurity[top + 1] = impurity_left
        top += 2
    return (
        left_child[:count],
        right_child[:count],
        feature[:count],
        threshold[:count],
        impurity[:count],
        n_node_samples[:count],
        w_node_samples[:count],
        missing_left[:count],
        value[:count],
        depth_seen,
    )


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _partition(node: A, row: A, values: A, threshold: float) -> None:  # pragma: no cover
    """Rows whose value is at most ``threshold`` first, as scikit-learn partitions them."""
    lo, hi = 0, node.size
    while lo < hi:
        if values[row[node[lo]]] <= threshold:
            lo += 1
        else:
            hi -= 1
            node[lo], node[hi] = node[hi], node[lo]
