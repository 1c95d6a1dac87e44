"""The compiled hot loops of the snapshot engine, and nothing else.

Each kernel works on flat numpy arrays (no Python object per node or edge). Statuses returned by
the parsing kernels: NEED_MORE (buffer exhausted), CLOSED (the array's ']' was consumed),
FULL (output array full), BAD (an unexpected byte at the returned position).
"""

from __future__ import annotations

import math

import numpy as np

from heapsight.snapshot._compile import kernel, prefetch

NEED_MORE, CLOSED, FULL, BAD = 0, 1, 2, 3
SHORT_ROW, INVALID = 4, 5  # parse_edges: ']' inside a row; a value that does not fit its column
_MAX_DIGITS = 18


# --------------------------------------------------------------------------- parsing

@kernel("UniTuple(i8, 3)(u1[::1], i8, i8, i8[::1], i8, b1)")
def parse_numbers(buf, pos, end, out, count, at_eof):
    """Parse non-negative decimal integers separated by ',' and whitespace from buf[pos:end]
    into out[count:]. A number cut by the end of the buffer is left for the next call.
    A digit is tested by one unsigned compare (byte - '0' wraps around below '0')."""
    capacity = out.shape[0]
    while pos < end:
        digit = np.uint8(buf[pos] - np.uint8(48))
        if digit < 10:
            if count == capacity:
                return pos, count, FULL
            start = pos
            value = np.int64(digit)
            pos += 1
            while pos < end:
                digit = np.uint8(buf[pos] - np.uint8(48))
                if digit >= 10:
                    break
                value = value * 10 + digit
                pos += 1
            if pos == end and not at_eof:
                return start, count, NEED_MORE
            if pos - start > _MAX_DIGITS:
                return start, count, BAD
            out[count] = value
            count += 1
        else:
            c = buf[pos]
            if c == 44 or c == 10 or c == 32 or c == 13 or c == 9:
                pos += 1
            elif c == 93:  # ']'
                return pos + 1, count, CLOSED
            else:
                return pos, count, BAD
    return pos, count, NEED_MORE


@kernel("UniTuple(i8, 3)(u1[::1], i8, i8, i8, i8, i4[::1], u4[::1], u1[::1], i8)")
def parse_edges(buf, pos, end, node_width, node_limit, to_node, name_or_index, edge_type,
                row):
    """Parse whole rows of the edges array, in V8's layout (type, name_or_index, to_node), from
    buf[pos:end] straight into their columns from `row` on, to_node as a node ordinal: parsing
    and scattering in one pass, with no staging array between them, and a row of three values
    unrolled (together 7 % less time than parse_numbers and a scatter). Returns (pos, row,
    status): NEED_MORE with pos at the start of the row the buffer cuts (a number that reaches
    the end of the buffer is cut too: at the end of the file, that is a truncated file, as the
    array's ']' must follow); CLOSED past the ']';
    FULL at the start of a whole row the columns have no room for; BAD at an unexpected byte
    or the start of a number of more than _MAX_DIGITS digits; SHORT_ROW at a ']' inside a
    row; INVALID at the start of a row whose target is not a node offset, or whose name or
    type does not fit its column."""
    rows = to_node.shape[0]
    while True:
        start = pos
        kind = np.int64(0)
        name = np.int64(0)
        to = np.int64(0)
        for field in range(3):
            while True:  # the separators before the value
                if pos >= end:
                    return start, row, NEED_MORE
                c = buf[pos]
                if np.uint8(c - np.uint8(48)) < 10:
                    break
                if c == 44 or c == 10 or c == 32 or c == 13 or c == 9:
                    pos += 1
                elif c == 93:  # ']'
                    if field == 0:
                        return pos + 1, row, CLOSED
                    return pos, row, SHORT_ROW
                else:
                    return pos, row, BAD
            first = pos
            value = np.int64(buf[pos] - np.uint8(48))
            pos += 1
            if end - pos > _MAX_DIGITS:
                # far from the end: the digit loop stops within _MAX_DIGITS + 1 digits, so it
                # cannot pass end and needs no test of it
                digit = np.uint8(buf[pos] - np.uint8(48))
                while digit < 10 and pos - first <= _MAX_DIGITS:
                    value = value * 10 + digit
                    pos += 1
                    digit = np.uint8(buf[pos] - np.uint8(48))
            else:
                while pos < end:
                    digit = np.uint8(buf[pos] - np.uint8(48))
                    if digit >= 10:
                        break
                    value = value * 10 + digit
                    pos += 1
                if pos == end:
                    return start, row, NEED_MORE
            if pos - first > _MAX_DIGITS:
                return first, row, BAD
            if field == 0:
                kind = value
            elif field == 1:
                name = value
            else:
                to = value
        if row == rows:
            return start, row, FULL
        if to % node_width != 0 or to >= node_limit or name > 0xFFFFFFFF or kind > 0xFF:
            return start, row, INVALID
        to_node[row] = to // node_width
        name_or_index[row] = name
        edge_type[row] = kind
        row += 1


def _scatter_column(staging, rows, width, at, limit, out, first_row):
    """Move field `at` of `rows` parsed rows (width values each) into out from first_row on.
    Returns the first row whose value is above limit (out's largest), or -1."""
    for i in range(rows):
        value = staging[i * width + at]
        if value > limit:
            return i
        out[first_row + i] = value
    return -1


# one source, one export per column type (NODE_COLUMNS)
scatter_column_u1 = kernel("i8(i8[::1], i8, i8, i8, i8, u1[::1], i8)",
                           "scatter_column_u1")(_scatter_column)
scatter_column_u4 = kernel("i8(i8[::1], i8, i8, i8, i8, u4[::1], i8)",
                           "scatter_column_u4")(_scatter_column)
scatter_column_i8 = kernel("i8(i8[::1], i8, i8, i8, i8, i8[::1], i8)",
                           "scatter_column_i8")(_scatter_column)


@kernel("i8(u1[::1], u4[::1], u1[::1], i8, i8)")
def bad_edge(edge_type, edge_name, named, type_count, string_count):
    """The first edge whose type is unknown (type_count or more) or whose name, for a type
    named by a string (named[type] == 1), is not in the strings table; -1 when none."""
    for e in range(edge_type.shape[0]):
        t = edge_type[e]
        if t >= type_count or (named[t] == 1 and edge_name[e] >= string_count):
            return e
    return -1


@kernel("UniTuple(i8, 3)(u1[::1], i8, i8, i8[::1], i8[::1], i8, i8[::1])")
def scan_strings(buf, pos, end, starts, lengths, count, state):
    """Find the JSON strings of an array in buf[pos:end]: starts[i] is the offset of string i's
    first content byte, lengths[i] its byte length (escapes undecoded). `state[0]` carries
    0 = between strings, 1 = inside a string, 2 = just after a backslash, across calls;
    `state[1]` the current string's start."""
    capacity = starts.shape[0]
    mode = state[0]
    while pos < end:
        c = buf[pos]
        if mode == 0:
            if c == 34:  # '"'
                if count == capacity:
                    state[0] = mode
                    return pos, count, FULL
                state[1] = pos + 1
                mode = 1
            elif c == 93:
                state[0] = 0
                return pos + 1, count, CLOSED
            elif not (c == 44 or c == 32 or c == 10 or c == 13 or c == 9):
                state[0] = mode
                return pos, count, BAD
        elif mode == 1:
            if c == 92:  # backslash
                mode = 2
            elif c == 34:
                starts[count] = state[1]
                lengths[count] = pos - state[1]
                count += 1
                mode = 0
        else:
            mode = 1
        pos += 1
    state[0] = mode
    return pos, count, NEED_MORE


@kernel("Tuple((i8, b1))(u1[::1], i8, i8, i8[::1])")
def skip_value(buf, pos, end, state):
    """Advance over one JSON value (object/array, strings inside respected) starting at or
    after pos. state = [depth, in_string, escaped, started]. Returns (pos, done)."""
    depth, in_string, escaped, started = state[0], state[1], state[2], state[3]
    while pos < end:
        c = buf[pos]
        pos += 1
        if in_string:
            if escaped:
                escaped = 0
            elif c == 92:
                escaped = 1
            elif c == 34:
                in_string = 0
                if depth == 0:
                    state[0], state[1], state[2], state[3] = 0, 0, 0, 0
                    return pos, True
        elif c == 34:
            in_string = 1
            started = 1
        elif c == 123 or c == 91:
            depth += 1
            started = 1
        elif c == 125 or c == 93:
            depth -= 1
            if depth <= 0:
                state[0], state[1], state[2], state[3] = 0, 0, 0, 0
                return pos, True
        elif started == 0 and not (c == 32 or c == 10 or c == 13 or c == 9):
            started = 1  # a bare scalar: read up to the next delimiter
            while pos < end and buf[pos] != 44 and buf[pos] != 125 and buf[pos] != 93:
                pos += 1
            if pos < end:
                state[0], state[1], state[2], state[3] = 0, 0, 0, 0
                return pos, True
    state[0], state[1], state[2], state[3] = depth, in_string, escaped, started
    return pos, False


# --------------------------------------------------------------------------- graph

# While the dominators are computed, an edge that does not count for them has its target
# bit-inverted in edge_to (~to, negative; ordinals are below 2^31): no mask is kept, and the DFS
# learns both whether an edge counts and where it leads from the one array it reads anyway.
_STACK = 1 << 16  # first capacity of the traversal stacks; they double when a path is deeper
_AHEAD = 32  # how many nodes ahead a cache-bound loop prefetches what it will read
_AHEAD_RETAINER = 8  # and how many retainers ahead within a node's block


@kernel("i8[::1](u1[::1], i8[::1], u4[::1], u1[::1])")
def weakmap_tables(blob, starts, lengths, suffix):
    """For each string of the table (raw JSON bytes blob[starts[i]:starts[i] + lengths[i]]),
    the number N when it ends with `suffix` + N + ')' (N of 1 to 18 digits), else -1."""
    tables = np.full(starts.shape[0], -1, np.int64)
    m = suffix.shape[0]
    for i in range(starts.shape[0]):
        first = starts[i]
        close = first + lengths[i] - 1  # where the ')' must be
        if close - first < m + 1 or blob[close] != 41:
            continue
        digits_at = close
        while digits_at > first and np.uint8(blob[digits_at - 1] - np.uint8(48)) < 10:
            digits_at -= 1
        if digits_at == close or close - digits_at > 18 or digits_at - first < m:
            continue
        matches = True
        for j in range(m):
            if blob[digits_at - m + j] != suffix[j]:
                matches = False
                break
        if matches:
            value = 0
            for p in range(digits_at, close):
                value = value * 10 + (blob[p] - 48)
            tables[i] = value
    return tables


@kernel("i8(u1[::1], u4[::1], i4[::1], i4[::1], u4[::1], i8[::1], i8, i8, i8, i8)")
def mark_inessential(edge_type, edge_name, first_edge, edge_to, node_id, weakmap_table,
                     weak_type, shortcut_type, internal_type, root):
    """DevTools' isEssentialEdge, written into edge_to (the target bit-inverted: ~to) for the
    edges that fail it: weak edges, shortcuts except from the root, self edges, and the copy
    of a WeakMap entry's value edge that leaves the table itself (weakmap_table[name] is the
    table's id for V8's ephemeron edge names, else -1). Returns how many edges were marked;
    clear_inessential undoes it."""
    marked = 0
    for source in range(first_edge.shape[0] - 1):
        for e in range(first_edge[source], first_edge[source + 1]):
            t = edge_type[e]
            ok = (t != weak_type and (t != shortcut_type or source == root)
                  and source != edge_to[e])
            if ok and t == internal_type:
                table = weakmap_table[edge_name[e]]
                if table >= 0 and node_id[source] == table:
                    ok = False
            if not ok:
                edge_to[e] = ~edge_to[e]
                marked += 1
    return marked


@kernel("void(i4[::1])")
def clear_inessential(edge_to):
    """Undo mark_inessential: every target as it was."""
    for e in range(edge_to.shape[0]):
        if edge_to[e] < 0:
            edge_to[e] = ~edge_to[e]


@kernel("Tuple((i4[::1], i4[::1]))(i4[::1], i4[::1], i8)")
def retainer_index(first_edge, edge_to, node_count):
    """Reverse adjacency as CSR, by a counting sort in O(E): for r in
    first_retainer[n]..first_retainer[n+1], sources[r] is a node pointing at n (in edge order),
    bit-inverted (~source, negative) when the edge is marked inessential (its target
    bit-inverted: mark_inessential), so the dominator loop reads one array. Each block is
    filled from its end, so no cursor array is needed."""
    first_retainer = np.zeros(node_count + 1, np.int32)
    for e in range(edge_to.shape[0]):
        t = edge_to[e]
        first_retainer[(t if t >= 0 else ~t) + 1] += 1
    for n in range(node_count):
        first_retainer[n + 1] += first_retainer[n]
    sources = np.empty(edge_to.shape[0], np.int32)
    for source in range(node_count - 1, -1, -1):  # first_retainer[t + 1]: the end of t's block
        for e in range(first_edge[source + 1] - 1, first_edge[source] - 1, -1):
            t = edge_to[e]
            essential = t >= 0
            if not essential:
                t = ~t
            slot = first_retainer[t + 1] - 1
            first_retainer[t + 1] = slot
            sources[slot] = source if essential else ~source
    for n in range(node_count):  # first_retainer[t + 1] is now t's start: shift back
        first_retainer[n] = first_retainer[n + 1]
    first_retainer[node_count] = edge_to.shape[0]
    return first_retainer, sources


@kernel("void(i4[::1], i4[::1], i4[::1], i4[::1])")
def retainer_edges(first_edge, edge_to, first_retainer, out):
    """Fill out[r] with the edge of each retainer slot of the index retainer_index built (same
    blocks, same order), overwriting whatever out held: its sources are no longer needed
    after the dominators, and a source is found again from its edge by a binary search."""
    n = first_retainer.shape[0] - 1
    edges = edge_to.shape[0]
    for source in range(n):
        for e in range(first_edge[source], first_edge[source + 1]):
            if e + _AHEAD < edges:  # the slot counter an edge _AHEAD on will take
                prefetch(first_retainer, edge_to[e + _AHEAD])
            t = edge_to[e]
            slot = first_retainer[t]
            first_retainer[t] = slot + 1
            out[slot] = e
    for t in range(n, 0, -1):  # first_retainer[t] is now t's end: shift forward
        first_retainer[t] = first_retainer[t - 1]
    first_retainer[0] = 0


@kernel("i8(i8, i4[::1], i4[::1], i4[::1], i4[::1], i4[::1])")
def dfs_preorder(root, first_edge, edge_to, pre, vertex, parent):
    """Number the nodes in DFS preorder over the edges not marked inessential (a negative,
    bit-inverted target: mark_inessential; one array read per edge): pre[ordinal]
    is its number, vertex[number] the ordinal, parent[number] the DFS parent's number (-1:
    not reached from the root: such a node starts a further DFS, attached to the root, as
    DevTools does, so nothing is dropped). Returns the deepest DFS path (stack index), which
    bounds every forest path of the dominators' eval."""
    n = pre.shape[0]
    if n == 0:
        return 0
    pre[:] = -1
    # The DFS stacks hold at most every node once. Allocated whole, they cost memory only as
    # deep as the DFS goes (untouched pages are never resident) and are never reassigned in
    # the loop (numba's reference counting of a grown array there cost a tenth of the DFS).
    stack_node = np.empty(n, np.int32)
    stack_edge = np.empty(n, np.int32)
    counter = 0
    deepest = 0
    for k in range(n + 1):
        start = root if k == 0 else k - 1
        if pre[start] >= 0:
            continue
        pre[start] = counter
        vertex[counter] = start
        parent[counter] = 0 if k == 0 else -1
        counter += 1
        top = 0
        stack_node[0] = start
        stack_edge[0] = first_edge[start]
        while top >= 0:
            v = stack_node[top]
            e = stack_edge[top]
            if e >= first_edge[v + 1]:
                top -= 1
                continue
            stack_edge[top] = e + 1
            w = edge_to[e]
            if w < 0:  # not essential
                continue
            if pre[w] >= 0:
                continue
            pre[w] = counter
            vertex[counter] = w
            parent[counter] = pre[v]
            counter += 1
            top += 1
            if top > deepest:
                deepest = top
            stack_node[top] = w
            stack_edge[top] = first_edge[w]
    return deepest


@kernel("UniTuple(i4[::1], 3)(i8, i4[::1], i4[::1], i4[::1], i4[::1], i4[::1], i8)")
def dominators(root, first_retainer, retainer_sources, pre, vertex, parent, deepest):
    """Immediate dominators by semi-NCA (Georgiadis & Tarjan; semidominators as in
    Lengauer-Tarjan 1979, idoms by nearest common ancestor), from the DFS numbering
    dfs_preorder made (pre, vertex, parent, deepest) and the retainer index (retainer_index:
    a source bit-inverted when its edge is not essential).

    Consumed, to keep memory down: retainer_sources' sources are rewritten as preorder
    numbers, after which pre holds the semidominators and parent becomes the returned order.

    Returns (dominator by ordinal, the nodes in preorder of the dominator tree, spare). In
    that order every subtree is contiguous and a node's children come in the order the DFS
    found them, so the tree can be walked with a stack of the current path and no child
    lists. spare is the kernel's scratch memory (2n int32, its pages there already, contents
    meaningless), for the retained sizes to fill instead of fresh pages."""
    n = pre.shape[0]
    if n == 0:
        return np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.int32)

    for r in range(retainer_sources.shape[0]):
        source = retainer_sources[r]
        retainer_sources[r] = pre[source] if source >= 0 else ~pre[~source]

    # Semidominators, in preorder numbers, with path-compressed eval over a link forest.
    # Semi-NCA needs only the least semidominator on a forest path, never the vertex that has
    # it, so each node keeps that value itself beside its forest ancestor, in one pair:
    # forest[2x] = ancestor (-1: not linked yet), forest[2x + 1] = the least semidominator on
    # x's compressed path. A compression step then reads one cache line per node instead of
    # three (ancestor, label, semi of label): this loop is bound by cache misses.
    semi = pre  # pre is done with: its memory (already touched) holds the semidominators
    forest = np.empty(2 * n, np.int32)
    for w in range(n):
        forest[2 * w] = -1
        forest[2 * w + 1] = w
    # Scratch for path compression. A forest path follows DFS-tree parents (ancestor[w] is
    # parent[w], or the root), so it is never longer than the deepest DFS path plus the root;
    # sized once, it is never reassigned in the loop.
    path = np.empty(deepest + 2, np.int32)
    # The loop waits on cache misses: each w's retainer block, and the forest entry of each
    # retainer, sit anywhere in memory. Prefetched ahead (the block of the node _AHEAD
    # numbers on, and that of the one halfway there; the forest entry of the retainer
    # _AHEAD_RETAINER on), those misses overlap: the loop takes 0.46 s instead of 0.66 s on
    # a 600 MB snapshot, with the same results.
    for w in range(n - 1, 0, -1):
        if w > _AHEAD:
            prefetch(first_retainer, vertex[w - _AHEAD])
            prefetch(retainer_sources, first_retainer[vertex[w - _AHEAD // 2]])
        node = vertex[w]
        best = 0 if parent[w] < 0 else w
        last = first_retainer[node + 1]
        for r in range(first_retainer[node], last):
            if r + _AHEAD_RETAINER < last:
                ahead = retainer_sources[r + _AHEAD_RETAINER]
                if ahead >= w:
                    prefetch(forest, 2 * ahead)
            v = retainer_sources[r]
            if v < 0:  # not an essential edge
                continue
            if v < w:  # numbered before w: not processed, so not linked; its semi is itself
                if v < best:
                    best = v
                continue
            # eval(v): the least semidominator on v's forest path, compressing it
            if forest[2 * forest[2 * v]] >= 0:
                depth = 0
                x = v
                while forest[2 * forest[2 * x]] >= 0:
                    path[depth] = x
                    depth += 1
                    x = forest[2 * x]
                for i in range(depth - 1, -1, -1):
                    x = path[i]
                    a = forest[2 * x]
                    if forest[2 * a + 1] < forest[2 * x + 1]:
                        forest[2 * x + 1] = forest[2 * a + 1]
                    forest[2 * x] = forest[2 * a]
            if forest[2 * v + 1] < best:
                best = forest[2 * v + 1]
        semi[w] = best
        forest[2 * w + 1] = best
        forest[2 * w] = max(parent[w], 0)
    semi[0] = 0

    # Immediate dominators by nearest common ancestor, in place of semi: idom[w] reads only
    # semi[w] and the idoms of nodes before w.
    idom = semi
    idom[0] = 0
    for w in range(1, n):
        d = max(parent[w], 0)
        while d > idom[w]:
            d = idom[d]
        idom[w] = d

    dominator = np.empty(n, np.int32)
    for w in range(n):
        dominator[vertex[w]] = vertex[idom[w]]
    dominator[root] = root

    # Preorder of the dominator tree, in DFS numbers (idom[w] < w), with parent as scratch:
    # subtree sizes bottom-up, then each node's position after its earlier siblings. The
    # sizes take the forest's memory, whose pages are there already (fresh pages cost a
    # fault each).
    size = forest[:n]
    for w in range(n):
        size[w] = 1
    for w in range(n - 1, 0, -1):
        size[idom[w]] += size[w]
    position = size   # position[w] replaces size[w] once w is placed
    next_free = parent  # where the next child of w goes
    next_free[0] = 1
    for w in range(1, n):
        d = idom[w]
        place = next_free[d]
        next_free[d] = place + size[w]
        next_free[w] = place + 1
        position[w] = place
    position[0] = 0
    order = parent
    for w in range(n):
        order[position[w]] = vertex[w]
    return dominator, order, forest


def _retained_sizes(self_size, dominator, vertex, root, retained):
    """Sum self sizes up the dominator tree into retained (overwritten); children come after
    their idom in preorder."""
    for i in range(self_size.shape[0]):
        retained[i] = self_size[i]
    for w in range(vertex.shape[0] - 1, 0, -1):
        node = vertex[w]
        if node != root:
            retained[dominator[node]] += retained[node]
    return retained


# self sizes are uint32 unless one object is 4 GiB or more (then int64: the _wide kernels)
retained_sizes = kernel("i8[::1](u4[::1], i4[::1], i4[::1], i8, i8[::1])",
                        "retained_sizes")(_retained_sizes)
retained_sizes_wide = kernel("i8[::1](i8[::1], i4[::1], i4[::1], i8, i8[::1])",
                             "retained_sizes_wide")(_retained_sizes)


@kernel("void(i8, i8, i4[::1], i4[::1], u1[::1], i8, u1[::1], i8, i8, i4[::1])")
def distances(node_count, root, first_edge, edge_to, edge_type, weak_type, node_type,
              synthetic_type, system_base, dist):
    """BFS distances from the root over non-weak edges, into dist. The root's children that
    are not synthetic (user globals) are visited first (distance 1); the rest gets
    system_base + depth, as DevTools does to keep paths through user objects shortest.
    Unreached: -1. A target bit-inverted by mark_inessential is read as the target (the
    dominator step may mark and clear them meanwhile: distances_beside).

    Level by level: a distance does not depend on the order in which one level's nodes are
    expanded, so each level is first sorted by ordinal and its nodes' edge blocks are then read
    in file order instead of at random (half the time on a 600 MB snapshot). A big level is
    sorted through a bitmap of the nodes (one pass over the bitmap), a small one in place."""
    dist[:] = -1
    queue = np.empty(node_count, np.int32)
    words = (node_count + 63) >> 6
    level_bits = np.zeros(words, np.uint64)
    dist[root] = 0
    for phase in range(2):
        head = 0
        tail = 0
        base = 1 if phase == 0 else system_base
        for e in range(first_edge[root], first_edge[root + 1]):
            child = edge_to[e]
            if child < 0:
                child = ~child
            if edge_type[e] == weak_type or dist[child] >= 0:
                continue
            if (node_type[child] != synthetic_type) == (phase == 0):
                dist[child] = base
                queue[tail] = child
                tail += 1
        depth = base
        while head < tail:
            level_end = tail
            if (level_end - head) * 16 < words:
                queue[head:level_end].sort()
            else:
                for i in range(head, level_end):
                    v = queue[i]
                    level_bits[v >> 6] |= np.uint64(1) << np.uint64(v & 63)
                at = head
                for i in range(words):
                    word = level_bits[i]
                    if word == 0:
                        continue
                    level_bits[i] = 0
                    while word != 0:
                        low = word & (~word + np.uint64(1))
                        # the lowest set bit's index: the exponent of 2^b, exact in a float
                        queue[at] = i * 64 + math.frexp(np.float64(low))[1] - 1
                        at += 1
                        word ^= low
            while head < level_end:
                v = queue[head]
                head += 1
                for e in range(first_edge[v], first_edge[v + 1]):
                    if edge_type[e] == weak_type:
                        continue
                    w = edge_to[e]
                    if w < 0:
                        w = ~w
                    if dist[w] < 0:
                        dist[w] = depth + 1
                        queue[tail] = w
                        tail += 1
            depth += 1


def _class_totals(node_type, node_name, by_name, string_count, class_count, self_size,
                  retained, dominator, tree_order, root):
    """Per class: instance count, self size, and retained size of top-most instances only
    (an instance dominated by another instance of its class is already inside that one).
    Classes as graph.class_ids numbers them (the name when by_name[type], else
    string_count + type), computed here so that no class array need exist."""
    count = np.zeros(class_count, np.int64)
    self_total = np.zeros(class_count, np.int64)
    retained_total = np.zeros(class_count, np.int64)
    n = node_type.shape[0]
    for node in range(n):
        t = node_type[node]
        c = node_name[node] if by_name[t] else string_count + t
        count[c] += 1
        self_total[c] += self_size[node]
    if n == 0:
        return count, self_total, retained_total
    # Walk the dominator tree in its preorder keeping the current path on a stack, with a
    # per-class count of instances on the path: an instance is top-most when that count is
    # zero (DevTools' calculateClassesRetainedSize). The root is never on the stack.
    active = np.zeros(class_count, np.int32)
    path = np.empty(_STACK, np.int32)
    top = 0
    for w in range(tree_order.shape[0]):
        # tree_order visits ordinals at random: what the node _AHEAD on will read is
        # prefetched, so the misses overlap (0.21 -> 0.12 s on a 600 MB snapshot)
        if w + _AHEAD < tree_order.shape[0]:
            ahead = tree_order[w + _AHEAD]
            prefetch(dominator, ahead)
            prefetch(node_type, ahead)
            prefetch(node_name, ahead)
            prefetch(retained, ahead)
        v = tree_order[w]
        if v == root:
            continue
        d = dominator[v]
        while top > 0 and path[top - 1] != d:  # leave the subtrees v is not in
            top -= 1
            u = path[top]
            t = node_type[u]
            active[node_name[u] if by_name[t] else string_count + t] -= 1
        t = node_type[v]
        c = node_name[v] if by_name[t] else string_count + t
        if active[c] == 0:
            retained_total[c] += retained[v]
        active[c] += 1
        if top == path.shape[0]:
            grown = np.empty(2 * top, np.int32)
            grown[:top] = path
            path = grown
        path[top] = v
        top += 1
    return count, self_total, retained_total


class_totals = kernel(
    "UniTuple(i8[::1], 3)(u1[::1], u4[::1], u1[::1], i8, i8, u4[::1], i8[::1], i4[::1], i4[::1], i8)",
    "class_totals")(_class_totals)
class_totals_wide = kernel(
    "UniTuple(i8[::1], 3)(u1[::1], u4[::1], u1[::1], i8, i8, i8[::1], i8[::1], i4[::1], i4[::1], i8)",
    "class_totals_wide")(_class_totals)


@kernel("i8[::1](i8[::1], u1[::1], i8)")
def largest(values, skip, count):
    """Indices of the `count` largest values (ties: lower index first), leaving out indices
    where skip is set; in decreasing order. No copy of the whole column is made."""
    best = np.empty(count, np.int64)
    best_value = np.empty(count, np.int64)
    size = 0
    for i in range(values.shape[0]):
        if skip[i]:
            continue
        v = values[i]
        if size == count and v <= best_value[size - 1]:
            continue
        j = size if size < count else count - 1
        while j > 0 and best_value[j - 1] < v:
            if j < count:
                best[j] = best[j - 1]
                best_value[j] = best_value[j - 1]
            j -= 1
        best[j] = i
        best_value[j] = v
        if size < count:
            size += 1
    return best[:size].copy()


# --------------------------------------------------------------------------- leak analysis

@kernel("i4[::1](i4[::1], i4[::1], i4[::1], i8[::1], b1[::1], i8)")
def descend_to_payload(starts, first_child, children, retained, is_carrier, max_depth):
    """From each start, follow the dominated child that retains the most while the node is a
    carrier (a closure, context, timer, backing store...): what the carrier exists to hold."""
    out = np.empty(starts.shape[0], np.int32)
    for i in range(starts.shape[0]):
        v = starts[i]
        depth = 0
        while is_carrier[v] and depth < max_depth:
            best = -1
            best_size = -1
            for c in range(first_child[v], first_child[v + 1]):
                w = children[c]
                if is_carrier[w] and first_child[w] == first_child[w + 1]:
                    continue  # a carrier that holds nothing (a backing store): a dead end
                if retained[w] > best_size:
                    best, best_size = w, retained[w]
            if best < 0:
                break
            v = best
            depth += 1
        out[i] = v
    return out


@kernel("i4[::1](i4[::1], b1[::1], i4[::1], i4[::1], i4[::1], u1[::1], i8, i4[::1], i8)")
def path_holders(starts, is_old, first_retainer, retainer_edges, first_edge, edge_type,
                 weak_type, distance, root):
    """For each start, walk the shortest retainer path towards the GC roots and return the
    first old node on it (the root when none): the holder of objects held from several places.
    A retainer's source is the node whose edge block holds its edge (a binary search)."""
    out = np.empty(starts.shape[0], np.int32)
    for i in range(starts.shape[0]):
        v = starts[i]
        steps = 0
        while v != root and not is_old[v] and steps < 10000:
            best = -1
            best_distance = distance[v]
            for r in range(first_retainer[v], first_retainer[v + 1]):
                e = retainer_edges[r]
                if edge_type[e] == weak_type:
                    continue
                source = np.searchsorted(first_edge, e, side="right") - 1
                d = distance[source]
                if d >= 0 and d < best_distance:
                    best = source
                    best_distance = d
            if best < 0:
                v = root
                break
            v = best
            steps += 1
        out[i] = v
    return out


@kernel("UniTuple(i4[::1], 3)(i4[::1], i4[::1], b1[::1])")
def new_subtrees(preorder, dominator, is_new):
    """The dominator subtrees below new nodes, without an array over every node: (nodes,
    parent, top), one row per node in them, in preorder. parent is the row of the node's
    dominator (-1 when that is outside them); top is the row of the highest new node above it
    with only new nodes between (for an old node, that of the nearest new node above it).
    Subtrees are contiguous in preorder, so a stack of the current path finds each
    dominator's row. Two passes: count the rows, then fill them."""
    count = 0
    nodes = np.empty(0, np.int32)
    parent = np.empty(0, np.int32)
    top = np.empty(0, np.int32)
    for fill in range(2):
        if fill == 1:
            nodes = np.empty(count, np.int32)
            parent = np.empty(count, np.int32)
            top = np.empty(count, np.int32)
        path = np.empty(_STACK, np.int32)  # ordinals on the current path
        rows = np.empty(_STACK, np.int32)  # their rows (-1: outside the subtrees)
        depth = 0
        count = 0
        for w in range(preorder.shape[0]):
            v = preorder[w]
            d = dominator[v]
            while depth > 0 and path[depth - 1] != d:
                depth -= 1
            up = rows[depth - 1] if depth > 0 and d != v else -1
            row = -1
            if is_new[v] or up >= 0:
                row = count
                count += 1
                if fill == 1:
                    nodes[row] = v
                    parent[row] = up
                    top[row] = row if is_new[v] and not (up >= 0 and is_new[d]) else top[up]
            if depth == path.shape[0]:
                grown = np.empty(2 * depth, np.int32)
                grown[:depth] = path
                path = grown
                grown = np.empty(2 * depth, np.int32)
                grown[:depth] = rows
                rows = grown
            path[depth] = v
            rows[depth] = row
            depth += 1
    return nodes, parent, top
