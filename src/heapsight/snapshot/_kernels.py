"""The compiled hot loops of the snapshot engine, and nothing else.

Each kernel works on flat numpy arrays (no Python object per node or edge). Statuses returned by
the parsing kernels: NEED_MORE (buffer exhausted), CLOSED (the array's ']' was consumed),
FULL (output array full), BAD (an unexpected byte at the returned position).
"""

from __future__ import annotations

import numpy as np

from heapsight.snapshot._compile import kernel

NEED_MORE, CLOSED, FULL, BAD = 0, 1, 2, 3
_MAX_DIGITS = 18


# --------------------------------------------------------------------------- parsing

@kernel("UniTuple(i8, 3)(u1[::1], i8, i8, i8[::1], i8, b1)")
def parse_numbers(buf, pos, end, out, count, at_eof):
    """Parse non-negative decimal integers separated by ',' and whitespace from buf[pos:end]
    into out[count:]. A number cut by the end of the buffer is left for the next call."""
    capacity = out.shape[0]
    while pos < end:
        c = buf[pos]
        if 48 <= c <= 57:
            if count == capacity:
                return pos, count, FULL
            start = pos
            value = 0
            while pos < end and 48 <= buf[pos] <= 57:
                value = value * 10 + (buf[pos] - 48)
                pos += 1
            if pos == end and not at_eof:
                return start, count, NEED_MORE
            if pos - start > _MAX_DIGITS:
                return start, count, BAD
            out[count] = value
            count += 1
        elif c == 44 or c == 32 or c == 10 or c == 13 or c == 9:
            pos += 1
        elif c == 93:  # ']'
            return pos + 1, count, CLOSED
        else:
            return pos, count, BAD
    return pos, count, NEED_MORE


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

@kernel("b1[::1](u1[::1], u4[::1], i8[::1], i4[::1], u4[::1], i8[::1], i8, i8, i8, i8)")
def essential_mask(edge_type, edge_name, first_edge, edge_to, node_id, weakmap_table,
                   weak_type, shortcut_type, internal_type, root):
    """DevTools' isEssentialEdge: not weak, not a shortcut unless from the root, not a self
    edge, and not the copy of a WeakMap entry's value edge that leaves the table itself
    (weakmap_table[name] is the table's id for V8's ephemeron edge names, else -1)."""
    essential = np.empty(edge_type.shape[0], np.bool_)
    for source in range(first_edge.shape[0] - 1):
        for e in range(first_edge[source], first_edge[source + 1]):
            t = edge_type[e]
            ok = (t != weak_type and (t != shortcut_type or source == root)
                  and source != edge_to[e])
            if ok and t == internal_type:
                table = weakmap_table[edge_name[e]]
                if table >= 0 and node_id[source] == table:
                    ok = False
            essential[e] = ok
    return essential


@kernel("Tuple((i8[::1], i4[::1], i4[::1]))(i8[::1], i4[::1], b1[::1], i8)")
def retainer_index(first_edge, edge_to, essential, node_count):
    """Reverse adjacency as CSR, by a counting sort in O(E): retainer_edges[r] for r in
    first_retainer[n]..first_retainer[n+1] are the edges pointing at node n, in edge order;
    retainer_sources[r] is the node each comes from, bit-inverted (~source, negative) when the
    edge is not essential, so the dominator loop reads one array in order instead of three
    scattered ones."""
    first_retainer = np.zeros(node_count + 1, np.int64)
    for e in range(edge_to.shape[0]):
        first_retainer[edge_to[e] + 1] += 1
    for n in range(node_count):
        first_retainer[n + 1] += first_retainer[n]
    cursor = first_retainer[:-1].copy()
    retainer_edges = np.empty(edge_to.shape[0], np.int32)
    retainer_sources = np.empty(edge_to.shape[0], np.int32)
    for source in range(node_count):
        for e in range(first_edge[source], first_edge[source + 1]):
            t = edge_to[e]
            slot = cursor[t]
            retainer_edges[slot] = e
            retainer_sources[slot] = source if essential[e] else ~source
            cursor[t] = slot + 1
    return first_retainer, retainer_edges, retainer_sources


@kernel("UniTuple(i4[::1], 3)(i8, i8, i8[::1], i4[::1], b1[::1], i8[::1], i4[::1])")
def dominators(node_count, root, first_edge, edge_to, essential, first_retainer,
               retainer_sources):
    """Immediate dominators by semi-NCA (Georgiadis & Tarjan; semidominators as in
    Lengauer-Tarjan 1979, idoms by nearest common ancestor), over essential edges only.

    Nodes the root does not reach are attached to the root, as DevTools does: each becomes the
    start of a further DFS whose parent is the root. Returns (dominator by ordinal, preorder
    vertices, preorder number by ordinal)."""
    n = node_count
    pre = np.full(n, -1, np.int32)        # ordinal -> preorder number
    vertex = np.empty(n, np.int32)        # preorder number -> ordinal
    parent = np.zeros(n, np.int32)        # preorder number -> parent's preorder number
    from_root = np.zeros(n, np.uint8)     # ordinal -> 1 when attached to the root
    stack_node = np.empty(n, np.int32)
    stack_edge = np.empty(n, np.int64)
    counter = 0
    for k in range(n + 1):
        start = root if k == 0 else k - 1
        if pre[start] >= 0:
            continue
        if k > 0:
            from_root[start] = 1
        pre[start] = counter
        vertex[counter] = start
        parent[counter] = 0
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
            if not essential[e]:
                continue
            w = edge_to[e]
            if pre[w] >= 0:
                continue
            pre[w] = counter
            vertex[counter] = w
            parent[counter] = pre[v]
            counter += 1
            top += 1
            stack_node[top] = w
            stack_edge[top] = first_edge[w]

    stack_edge = np.empty(0, np.int64)  # free the DFS stack; its node half is reused below

    # Semidominators, in preorder numbers, with path-compressed eval over a link forest.
    semi = np.arange(n).astype(np.int32)
    label = np.arange(n).astype(np.int32)
    ancestor = np.full(n, -1, np.int32)
    path = stack_node  # reused as scratch for compression
    for w in range(n - 1, 0, -1):
        node = vertex[w]
        best = semi[w]
        if from_root[node]:
            best = 0
        for r in range(first_retainer[node], first_retainer[node + 1]):
            source = retainer_sources[r]
            if source < 0:  # not an essential edge
                continue
            v = pre[source]
            # eval(v): the vertex of minimal semi on v's forest path
            if ancestor[v] < 0:
                u = v
            else:
                depth = 0
                x = v
                while ancestor[ancestor[x]] >= 0:
                    path[depth] = x
                    depth += 1
                    x = ancestor[x]
                for i in range(depth - 1, -1, -1):
                    x = path[i]
                    a = ancestor[x]
                    if semi[label[a]] < semi[label[x]]:
                        label[x] = label[a]
                    ancestor[x] = ancestor[a]
                u = label[v]
            if semi[u] < best:
                best = semi[u]
        semi[w] = best
        ancestor[w] = parent[w]

    idom = label  # label and ancestor are done with: reuse them (memory is the limit)
    idom[0] = 0
    for w in range(1, n):
        d = parent[w]
        while d > semi[w]:
            d = idom[d]
        idom[w] = d

    dominator = ancestor
    for w in range(n):
        dominator[vertex[w]] = vertex[idom[w]]
    dominator[root] = root
    return dominator, vertex, pre


@kernel("i8[::1](i8[::1], i4[::1], i4[::1], i8)")
def retained_sizes(self_size, dominator, vertex, root):
    """Sum self sizes up the dominator tree; children come after their idom in preorder."""
    retained = self_size.astype(np.int64)
    for w in range(vertex.shape[0] - 1, 0, -1):
        node = vertex[w]
        if node != root:
            retained[dominator[node]] += retained[node]
    return retained


@kernel("i4[::1](i8, i8, i8[::1], i4[::1], u1[::1], i8, u1[::1], i8)")
def distances(node_count, root, first_edge, edge_to, edge_type, weak_type, user_root,
              system_base):
    """BFS distances from the root over non-weak edges. The root's children marked in
    user_root are visited first (distance 1); the rest of the graph gets system_base + depth,
    as DevTools does to keep paths through user objects shortest. Unreached: -1."""
    dist = np.full(node_count, -1, np.int32)
    queue = np.empty(node_count, np.int32)
    dist[root] = 0
    for phase in range(2):
        head = 0
        tail = 0
        base = 1 if phase == 0 else system_base
        for e in range(first_edge[root], first_edge[root + 1]):
            child = edge_to[e]
            if edge_type[e] == weak_type or dist[child] >= 0:
                continue
            if (user_root[child] == 1) == (phase == 0):
                dist[child] = base
                queue[tail] = child
                tail += 1
        while head < tail:
            v = queue[head]
            head += 1
            for e in range(first_edge[v], first_edge[v + 1]):
                if edge_type[e] == weak_type:
                    continue
                w = edge_to[e]
                if dist[w] < 0:
                    dist[w] = dist[v] + 1
                    queue[tail] = w
                    tail += 1
    return dist


@kernel("Tuple((i8[::1], i4[::1]))(i4[::1], i4[::1], i8)")
def dominator_children(dominator, preorder, root):
    """The dominator tree as CSR: children[first_child[n]:first_child[n+1]] are the nodes n
    immediately dominates, in DFS preorder."""
    n = dominator.shape[0]
    first_child = np.zeros(n + 1, np.int64)
    for node in range(n):
        if node != root:
            first_child[dominator[node] + 1] += 1
    for i in range(n):
        first_child[i + 1] += first_child[i]
    children = np.empty(max(n - 1, 1), np.int32)
    cursor = first_child[:-1].copy()
    for w in range(preorder.shape[0]):
        node = preorder[w]
        if node != root:
            d = dominator[node]
            children[cursor[d]] = node
            cursor[d] += 1
    return first_child, children


@kernel("UniTuple(i8[::1], 3)(i4[::1], i8[::1], i8[::1], i8[::1], i4[::1], i8, i8)")
def class_totals(class_id, self_size, retained, first_child, children, root, class_count):
    """Per class: instance count, self size, and retained size of top-most instances only
    (an instance dominated by another instance of its class is already inside that one)."""
    count = np.zeros(class_count, np.int64)
    self_total = np.zeros(class_count, np.int64)
    retained_total = np.zeros(class_count, np.int64)
    n = class_id.shape[0]
    for node in range(n):
        count[class_id[node]] += 1
        self_total[class_id[node]] += self_size[node]
    # Walk the dominator tree depth-first with a per-class count of instances on the current
    # path: an instance is top-most when that count is zero (DevTools' calculateClassesRetainedSize).
    active = np.zeros(class_count, np.int32)
    stack_node = np.empty(n, np.int32)
    stack_next = np.empty(n, np.int32)  # child positions: the tree has fewer than 2^31 nodes
    top = 0
    stack_node[0] = root
    stack_next[0] = first_child[root]
    while top >= 0:
        v = stack_node[top]
        i = stack_next[top]
        if i >= first_child[v + 1]:
            if v != root:
                active[class_id[v]] -= 1
            top -= 1
            continue
        stack_next[top] = i + 1
        w = children[i]
        c = class_id[w]
        if active[c] == 0:
            retained_total[c] += retained[w]
        active[c] += 1
        top += 1
        stack_node[top] = w
        stack_next[top] = first_child[w]
    return count, self_total, retained_total


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

@kernel("i4[::1](i4[::1], i4[::1], b1[::1])")
def top_new_ancestors(preorder, dominator, is_new):
    """For each new node, the highest new node on its dominator chain with only new nodes
    between them (-1 for old nodes). Dominators precede their nodes in DFS preorder."""
    top = np.full(dominator.shape[0], -1, np.int32)
    for w in range(preorder.shape[0]):
        v = preorder[w]
        if not is_new[v]:
            continue
        d = dominator[v]
        top[v] = top[d] if (d != v and is_new[d]) else v
    return top


@kernel("i4[::1](i4[::1], i8[::1], i4[::1], i8[::1], b1[::1], i8)")
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


@kernel("i4[::1](i4[::1], b1[::1], i8[::1], i4[::1], i4[::1], u1[::1], i8, i4[::1], i8)")
def path_holders(starts, is_old, first_retainer, retainer_edges, retainer_sources, edge_type,
                 weak_type, distance, root):
    """For each start, walk the shortest retainer path towards the GC roots and return the
    first old node on it (the root when none): the holder of objects held from several places."""
    out = np.empty(starts.shape[0], np.int32)
    for i in range(starts.shape[0]):
        v = starts[i]
        steps = 0
        while v != root and not is_old[v] and steps < 10000:
            best = -1
            best_distance = distance[v]
            for r in range(first_retainer[v], first_retainer[v + 1]):
                if edge_type[retainer_edges[r]] == weak_type:
                    continue
                source = retainer_sources[r]
                if source < 0:
                    source = ~source
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
