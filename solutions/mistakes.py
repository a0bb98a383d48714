"""The catalogue of known-wrong implementations: the usual mistakes, one per entry.

Instructor material. Each entry is a learner's answer that is right but for one mistake,
so it is close to an answer key: it lives in solutions/, which never ships (not in the
learner edition, not in the Gradescope autograder). What the learners get is the
*recognition* of each mistake: the remark of the same name, a ``Mistake`` of the answer
key (course_lib/instructor/key/, whose answers on the public cases alone reach learners,
as data) or an ``ErrorRemark`` (course_lib/exercises/assignments/), or in
``CLASSIFIER_REMARKS``.

``CATALOGUE[grade_id][name]`` is the source of the learner's function with mistake
``name``; it may call the notebook's other (correct) functions and ``np``.
tests/test_feedback.py runs every entry through the public ``check()`` and asserts that a
public case fails it with the remark called ``name``.
"""

from __future__ import annotations

CATALOGUE: dict[str, dict[str, str]] = {
    # ----- 01 gradient descent -----
    "numerical_gradient": {
        "twice_too_large": """
def numerical_gradient(f, theta, eps=1e-6):
    grad = np.zeros_like(theta)
    for i in range(theta.size):
        old = theta[i]
        theta[i] = old + eps
        up = f(theta)
        theta[i] = old - eps
        down = f(theta)
        theta[i] = old
        grad[i] = (up - down) / eps
    return grad
""",
    },
    "gradient_descent_step": {
        "uphill": """
def gradient_descent_step(theta, grad, eta):
    return theta + eta * grad
""",
        "no_eta": """
def gradient_descent_step(theta, grad, eta):
    return theta - grad
""",
    },
    "total_loss_and_gradient": {
        "mean_not_sum": """
def total_loss_and_gradient(w, b, x, y):
    error = w * x + b - y
    return 0.5 * np.mean(error**2), np.mean(error * x), np.mean(error)
""",
    },
    "momentum_step": {
        "uphill": """
def momentum_step(theta, v, grad, eta, mu):
    v_new = mu * v + eta * grad
    return theta + v_new, v_new
""",
        "old_velocity": """
def momentum_step(theta, v, grad, eta, mu):
    theta_new = theta + v
    v_new = mu * v - eta * grad
    return theta_new, v_new
""",
        "velocity_forgotten": """
def momentum_step(theta, v, grad, eta, mu):
    v_new = -eta * grad
    return theta + v_new, v_new
""",
        "no_mu": """
def momentum_step(theta, v, grad, eta, mu):
    v_new = v - eta * grad
    return theta + v_new, v_new
""",
    },
    # ----- 02 chain rule -----
    "local_derivatives": {
        "sigma_not_derivative": """
def local_derivatives(op, a, b):
    if op == "+":
        return (1.0, 1.0)
    if op == "*":
        return (b, a)
    if op == "exp":
        return (math.exp(a),)
    if op == "tanh":
        return (1.0 - math.tanh(a) ** 2,)
    return (1.0 / (1.0 + math.exp(-a)),)
""",
        "product_own_input": """
def local_derivatives(op, a, b):
    if op == "+":
        return (1.0, 1.0)
    if op == "*":
        return (a, b)
    if op == "exp":
        return (math.exp(a),)
    if op == "tanh":
        return (1.0 - math.tanh(a) ** 2,)
    s = 1.0 / (1.0 + math.exp(-a))
    return (s * (1.0 - s),)
""",
    },
    "chain_rule_case2": {
        "path_x_only": """
def chain_rule_case2(s):
    return math.exp(s) * 2 * s
""",
        "path_y_only": """
def chain_rule_case2(s):
    return s**2 * math.exp(s)
""",
    },
    "forward": {
        "inputs_left_out": """
def forward(graph):
    values, out = [], []
    for node in graph:
        if node[0] == "input":
            values.append(node[1])
            continue
        a = values[node[1]]
        if node[0] == "+":
            v = a + values[node[2]]
        elif node[0] == "*":
            v = a * values[node[2]]
        else:
            v = UNARY[node[0]](a)
        values.append(v)
        out.append(v)
    return out
""",
    },
    "gate_backward": {
        "add_halves": """
def gate_backward(op, x, y, grad_out):
    if op == "+":
        return (grad_out / 2, grad_out / 2)
    if op == "*":
        return (y * grad_out, x * grad_out)
    return (grad_out, 0.0) if x >= y else (0.0, grad_out)
""",
        "mul_no_swap": """
def gate_backward(op, x, y, grad_out):
    if op == "+":
        return (grad_out, grad_out)
    if op == "*":
        return (x * grad_out, y * grad_out)
    return (grad_out, 0.0) if x >= y else (0.0, grad_out)
""",
        "max_to_both": """
def gate_backward(op, x, y, grad_out):
    if op == "+":
        return (grad_out, grad_out)
    if op == "*":
        return (y * grad_out, x * grad_out)
    return (grad_out, grad_out)
""",
    },
    "backward": {
        "overwrite_not_add": """
def backward(graph, values):
    grads = [0.0] * len(graph)
    grads[-1] = 1.0
    for k in range(len(graph) - 1, -1, -1):
        node = graph[k]
        if node[0] == "input":
            continue
        b = values[node[2]] if len(node) > 2 else None
        for i, local in zip(node[1:], local_derivatives(node[0], values[node[1]], b)):
            grads[i] = local * grads[k]
    return grads
""",
    },
    "train_tiny_mlp": {
        "no_zero_grad": """
def train_tiny_mlp(W1, b1, W2, b2, xs, ts, eta, steps):
    mlp = TinyMLP(W1, b1, W2, b2)
    params, N = mlp.parameters(), len(xs)
    losses, first = [], None
    mlp.zero_grad()
    for step in range(steps + 1):
        L = 0.0
        for x, t in zip(xs, ts):
            C = 0.5 * (mlp(x) - float(t)) ** 2
            C.backward()
            L += C.data / N
            for k, p in enumerate(params):
                mlp.grad_sums[k] += p.grad / N
        losses.append(L)
        if first is None:
            first = np.array(mlp.grad_sums)
        if step < steps:
            for p, g in zip(params, mlp.grad_sums):
                p.data -= eta * g
    H, D = np.shape(W1)
    dW1, db1 = first[: H * D].reshape(H, D), first[H * D : H * D + H]
    return dW1, db1, first[H * D + H : -1], float(first[-1]), np.array(losses)
""",
        "uphill": """
def train_tiny_mlp(W1, b1, W2, b2, xs, ts, eta, steps):
    mlp = TinyMLP(W1, b1, W2, b2)
    params, N = mlp.parameters(), len(xs)
    losses, first = [], None
    for step in range(steps + 1):
        mlp.zero_grad()
        L = 0.0
        for x, t in zip(xs, ts):
            C = 0.5 * (mlp(x) - float(t)) ** 2
            C.backward()
            L += C.data / N
            for k, p in enumerate(params):
                mlp.grad_sums[k] += p.grad / N
        losses.append(L)
        if first is None:
            first = np.array(mlp.grad_sums)
        if step < steps:
            for p, g in zip(params, mlp.grad_sums):
                p.data += eta * g
    H, D = np.shape(W1)
    dW1, db1 = first[: H * D].reshape(H, D), first[H * D : H * D + H]
    return dW1, db1, first[H * D + H : -1], float(first[-1]), np.array(losses)
""",
        "sum_not_mean": """
def train_tiny_mlp(W1, b1, W2, b2, xs, ts, eta, steps):
    mlp = TinyMLP(W1, b1, W2, b2)
    params, N = mlp.parameters(), len(xs)
    losses, first = [], None
    for step in range(steps + 1):
        mlp.zero_grad()
        L = 0.0
        for x, t in zip(xs, ts):
            C = 0.5 * (mlp(x) - float(t)) ** 2
            C.backward()
            L += C.data
            for k, p in enumerate(params):
                mlp.grad_sums[k] += p.grad
        losses.append(L)
        if first is None:
            first = np.array(mlp.grad_sums)
        if step < steps:
            for p, g in zip(params, mlp.grad_sums):
                p.data -= eta * g
    H, D = np.shape(W1)
    dW1, db1 = first[: H * D].reshape(H, D), first[H * D : H * D + H]
    return dW1, db1, first[H * D + H : -1], float(first[-1]), np.array(losses)
""",
        "dW1_transposed": """
def train_tiny_mlp(W1, b1, W2, b2, xs, ts, eta, steps):
    mlp = TinyMLP(W1, b1, W2, b2)
    params, N = mlp.parameters(), len(xs)
    losses, first = [], None
    for step in range(steps + 1):
        mlp.zero_grad()
        L = 0.0
        for x, t in zip(xs, ts):
            C = 0.5 * (mlp(x) - float(t)) ** 2
            C.backward()
            L += C.data / N
            for k, p in enumerate(params):
                mlp.grad_sums[k] += p.grad / N
        losses.append(L)
        if first is None:
            first = np.array(mlp.grad_sums)
        if step < steps:
            for p, g in zip(params, mlp.grad_sums):
                p.data -= eta * g
    H, D = np.shape(W1)
    dW1, db1 = first[: H * D].reshape(H, D), first[H * D : H * D + H]
    return dW1.T, db1, first[H * D + H : -1], float(first[-1]), np.array(losses)
""",
        "W1_read_as_D_by_H": """
class ColumnMLP(TinyMLP):
    def __call__(self, x):
        y = self.b2
        for j, (b, w_out) in enumerate(zip(self.b1, self.W2)):
            z = sum((self.W1[i][j] * float(x_i) for i, x_i in enumerate(x)), b)
            y = y + w_out * z.tanh()
        return y


def train_tiny_mlp(W1, b1, W2, b2, xs, ts, eta, steps):
    mlp = ColumnMLP(W1, b1, W2, b2)
    params, N = mlp.parameters(), len(xs)
    losses, first = [], None
    for step in range(steps + 1):
        mlp.zero_grad()
        L = 0.0
        for x, t in zip(xs, ts):
            C = 0.5 * (mlp(x) - float(t)) ** 2
            C.backward()
            L += C.data / N
            for k, p in enumerate(params):
                mlp.grad_sums[k] += p.grad / N
        losses.append(L)
        if first is None:
            first = np.array(mlp.grad_sums)
        if step < steps:
            for p, g in zip(params, mlp.grad_sums):
                p.data -= eta * g
    H, D = np.shape(W1)
    dW1, db1 = first[: H * D].reshape(H, D), first[H * D : H * D + H]
    return dW1, db1, first[H * D + H : -1], float(first[-1]), np.array(losses)
""",
    },
    # ----- 03 forward pass -----
    "neuron": {
        "a_alone": """
def neuron(x, w, b):
    z = np.dot(w, x) + b
    return float(1.0 / (1.0 + np.exp(-z)))
""",
        "no_activation": """
def neuron(x, w, b):
    z = float(np.dot(w, x) + b)
    return z, z
""",
        "z_and_a_swapped": """
def neuron(x, w, b):
    z = float(np.dot(w, x) + b)
    return float(1.0 / (1.0 + np.exp(-z))), z
""",
    },
    "layer_forward": {
        "W_transposed": """
def layer_forward(a, W, b):
    z = a @ W.T + b
    return z, 1.0 / (1.0 + np.exp(-z))
""",
    },
    "forward_pass": {
        "cache_without_x": """
def forward_pass(x, weights, biases):
    activations, a = [], x
    for W, b in zip(weights, biases):
        a = 1.0 / (1.0 + np.exp(-(a @ W + b)))
        activations.append(a)
    return activations
""",
    },
    "bias_backward": {
        "mean_not_sum": """
def bias_backward(dZ, shape):
    if shape == ():
        return float(np.mean(dZ))
    return dZ.mean(axis=0).reshape(shape)
""",
        "wrong_axis": """
def bias_backward(dZ, shape):
    if shape == ():
        return float(np.sum(dZ))
    return dZ.sum(axis=1, keepdims=len(shape) == 2)
""",
        "keepdims": """
def bias_backward(dZ, shape):
    if shape == ():
        return float(np.sum(dZ))
    return dZ.sum(axis=0, keepdims=True)
""",
        "scalar_not_summed": """
def bias_backward(dZ, shape):
    return dZ.sum(axis=0).reshape(shape) if shape else dZ.sum(axis=0)
""",
    },
    # ----- 04 backward pass -----
    "sigmoid_backward": {
        "missing_sigma_prime": """
def sigmoid_backward(a, dC_da):
    return dC_da
""",
        "sigma_twice": """
def sigmoid_backward(a, dC_da):
    s = 1.0 / (1.0 + np.exp(-a))
    return s * (1.0 - s) * dC_da
""",
    },
    "linear_backward": {
        "shapes_do_not_fit": """
def linear_backward(a, W, dC_dz):
    return dC_dz @ W.T, dC_dz.T @ a, dC_dz.sum(axis=0)
""",
        "transposed_dW": """
def linear_backward(a, W, dC_dz):
    return dC_dz @ W, a.T @ dC_dz, dC_dz.sum(axis=0)
""",
        "mean_for_db": """
def linear_backward(a, W, dC_dz):
    return dC_dz @ W, dC_dz.T @ a, dC_dz.mean(axis=0)
""",
        "wrong_sum_axis": """
def linear_backward(a, W, dC_dz):
    return dC_dz @ W, dC_dz.T @ a, dC_dz.sum(axis=1)
""",
        "keepdims": """
def linear_backward(a, W, dC_dz):
    return dC_dz @ W, dC_dz.T @ a, dC_dz.sum(axis=0, keepdims=True)
""",
    },
    "backprop": {
        "missing_hidden_sigma_prime": """
def backprop(x, t, W1, b1, W2, b2):
    N = x.shape[0]
    a1 = 1.0 / (1.0 + np.exp(-(x @ W1.T + b1)))
    y = 1.0 / (1.0 + np.exp(-(a1 @ W2.T + b2)))
    dC_da1, dW2, db2 = linear_backward(a1, W2, sigmoid_backward(y, (y - t) / N))
    _, dW1, db1 = linear_backward(x, W1, dC_da1)
    return dW1, db1, dW2, db2
""",
        "output_treated_as_linear": """
def backprop(x, t, W1, b1, W2, b2):
    N = x.shape[0]
    a1 = 1.0 / (1.0 + np.exp(-(x @ W1.T + b1)))
    y = 1.0 / (1.0 + np.exp(-(a1 @ W2.T + b2)))
    dC_da1, dW2, db2 = linear_backward(a1, W2, (y - t) / N)
    _, dW1, db1 = linear_backward(x, W1, sigmoid_backward(a1, dC_da1))
    return dW1, db1, dW2, db2
""",
        "no_output_sigmoid": """
def backprop(x, t, W1, b1, W2, b2):
    N = x.shape[0]
    a1 = 1.0 / (1.0 + np.exp(-(x @ W1.T + b1)))
    y = a1 @ W2.T + b2
    dC_da1, dW2, db2 = linear_backward(a1, W2, (y - t) / N)
    _, dW1, db1 = linear_backward(x, W1, sigmoid_backward(a1, dC_da1))
    return dW1, db1, dW2, db2
""",
        "missing_1_over_N": """
def backprop(x, t, W1, b1, W2, b2):
    a1 = 1.0 / (1.0 + np.exp(-(x @ W1.T + b1)))
    y = 1.0 / (1.0 + np.exp(-(a1 @ W2.T + b2)))
    dC_da1, dW2, db2 = linear_backward(a1, W2, sigmoid_backward(y, y - t))
    _, dW1, db1 = linear_backward(x, W1, sigmoid_backward(a1, dC_da1))
    return dW1, db1, dW2, db2
""",
        "layout_of_notebook_03": """
def backprop(x, t, W1, b1, W2, b2):
    N = x.shape[0]
    a1 = 1.0 / (1.0 + np.exp(-(x @ W1 + b1)))
    y = 1.0 / (1.0 + np.exp(-(a1 @ W2 + b2)))
    dz2 = (y - t) / N * y * (1 - y)
    dz1 = (dz2 @ W2.T) * a1 * (1 - a1)
    return x.T @ dz1, dz1.sum(axis=0), a1.T @ dz2, dz2.sum(axis=0)
""",
        "squeeze": """
def backprop(x, t, W1, b1, W2, b2):
    N = x.shape[0]
    a1 = 1.0 / (1.0 + np.exp(-(x @ W1.T + b1)))
    y = (1.0 / (1.0 + np.exp(-(a1 @ W2.T + b2)))).squeeze()
    dC_da1, dW2, db2 = linear_backward(a1, W2, sigmoid_backward(y, (y - t) / N))
    _, dW1, db1 = linear_backward(x, W1, sigmoid_backward(a1, dC_da1))
    return dW1, db1, dW2, db2
""",
    },
    "backprop_deep": {
        "missing_hidden_sigma_prime": """
def backprop_deep(x, t, weights, biases):
    a = [x]
    for W, b in zip(weights, biases):
        a.append(1.0 / (1.0 + np.exp(-(a[-1] @ W.T + b))))
    dWs, dbs = [None] * len(weights), [None] * len(weights)
    dL_dz = sigmoid_backward(a[-1], (a[-1] - t) / len(x))
    for l in range(len(weights) - 1, -1, -1):
        dL_da, dWs[l], dbs[l] = linear_backward(a[l], weights[l], dL_dz)
        dL_dz = dL_da  # the hidden layer's sigma' forgotten
    return dWs, dbs
""",
        "missing_1_over_N": """
def backprop_deep(x, t, weights, biases):
    a = [x]
    for W, b in zip(weights, biases):
        a.append(1.0 / (1.0 + np.exp(-(a[-1] @ W.T + b))))
    dWs, dbs = [None] * len(weights), [None] * len(weights)
    dL_da = a[-1] - t
    for l in range(len(weights) - 1, -1, -1):
        dL_dz = sigmoid_backward(a[l + 1], dL_da)
        dL_da, dWs[l], dbs[l] = linear_backward(a[l], weights[l], dL_dz)
    return dWs, dbs
""",
        "reversed_lists": """
def backprop_deep(x, t, weights, biases):
    a = [x]
    for W, b in zip(weights, biases):
        a.append(1.0 / (1.0 + np.exp(-(a[-1] @ W.T + b))))
    dWs, dbs = [], []
    dL_da = (a[-1] - t) / len(x)
    for l in range(len(weights) - 1, -1, -1):
        dL_dz = sigmoid_backward(a[l + 1], dL_da)
        dL_da, dW, db = linear_backward(a[l], weights[l], dL_dz)
        dWs.append(dW)
        dbs.append(db)
    return dWs, dbs
""",
        "first_layer_left_out": """
def backprop_deep(x, t, weights, biases):
    a = [x]
    for W, b in zip(weights, biases):
        a.append(1.0 / (1.0 + np.exp(-(a[-1] @ W.T + b))))
    dWs, dbs = [], []
    dL_da = (a[-1] - t) / len(x)
    for l in range(len(weights) - 1, 0, -1):
        dL_dz = sigmoid_backward(a[l + 1], dL_da)
        dL_da, dW, db = linear_backward(a[l], weights[l], dL_dz)
        dWs.insert(0, dW)
        dbs.insert(0, db)
    return dWs, dbs
""",
    },
    # ----- 05 digit classification (one example per column) -----
    "softmax": {
        "naive_softmax": """
def softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=0)
""",
        "global_max": """
def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum(axis=0)
""",
        "wrong_axis": """
def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
""",
        "whole_sum": """
def softmax(z):
    e = np.exp(z)
    return e / e.sum()
""",
    },
    "cross_entropy": {
        "log_of_softmax": """
def cross_entropy(z, t):
    p = softmax(z)
    return float(-np.mean(np.log(p[t, np.arange(len(t))])))
""",
        "naive_softmax": """
def cross_entropy(z, t):
    e = np.exp(z)
    p = e / e.sum(axis=0)
    return float(-np.mean(np.log(p[t, np.arange(len(t))])))
""",
        "p_colon_t": """
def cross_entropy(z, t):
    m = z.max(axis=0)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=0))
    return float(-np.mean(log_p[:, t]))
""",
        "p_rows_t": """
def cross_entropy(z, t):
    m = z.max(axis=0)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=0))
    return float(-np.mean(log_p[t]))
""",
        "sum_over_batch": """
def cross_entropy(z, t):
    m = z.max(axis=0)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=0))
    return float(-np.sum(log_p[t, np.arange(len(t))]))
""",
    },
    "cross_entropy_grad": {
        "missing_1_over_N": """
def cross_entropy_grad(z, t):
    grad = softmax(z)
    grad[t, np.arange(len(t))] -= 1.0
    return grad
""",
        "no_onehot": """
def cross_entropy_grad(z, t):
    return softmax(z) / len(t)
""",
        "onehot_rows": """
def cross_entropy_grad(z, t):
    return (softmax(z) - np.eye(z.shape[0])[t]) / len(t)
""",
    },
    # 5.4: one example per row, W: (n_in, n_out), as in the lectures
    "classifier_gradients": {
        "no_relu_prime": """
def classifier_gradients(x, t, W1, b1, W2, b2):
    z1 = x @ W1 + b1
    a1 = np.maximum(z1, 0)
    dz2 = cross_entropy_grad((a1 @ W2 + b2).T, t).T
    dz1 = dz2 @ W2.T
    return x.T @ dz1, dz1.sum(axis=0), a1.T @ dz2, dz2.sum(axis=0)
""",
        "missing_1_over_N": """
def classifier_gradients(x, t, W1, b1, W2, b2):
    z1 = x @ W1 + b1
    a1 = np.maximum(z1, 0)
    dz2 = softmax((a1 @ W2 + b2).T).T
    dz2[np.arange(len(t)), t] -= 1.0
    dz1 = (dz2 @ W2.T) * (z1 > 0)
    return x.T @ dz1, dz1.sum(axis=0), a1.T @ dz2, dz2.sum(axis=0)
""",
        "extra_1_over_N": """
def classifier_gradients(x, t, W1, b1, W2, b2):
    N = len(t)
    z1 = x @ W1 + b1
    a1 = np.maximum(z1, 0)
    dz2 = cross_entropy_grad((a1 @ W2 + b2).T, t).T
    dz1 = (dz2 @ W2.T) * (z1 > 0)
    return x.T @ dz1 / N, dz1.sum(axis=0) / N, a1.T @ dz2 / N, dz2.sum(axis=0) / N
""",
        "uphill": """
def classifier_gradients(x, t, W1, b1, W2, b2):
    z1 = x @ W1 + b1
    a1 = np.maximum(z1, 0)
    p = softmax((a1 @ W2 + b2).T).T
    onehot = np.zeros_like(p)
    onehot[np.arange(len(t)), t] = 1.0
    dz2 = (onehot - p) / len(t)  # target minus prediction
    dz1 = (dz2 @ W2.T) * (z1 > 0)
    return x.T @ dz1, dz1.sum(axis=0), a1.T @ dz2, dz2.sum(axis=0)
""",
        "transposed_W2": """
def classifier_gradients(x, t, W1, b1, W2, b2):
    z1 = x @ W1 + b1
    a1 = np.maximum(z1, 0)
    dz2 = cross_entropy_grad((a1 @ W2 + b2).T, t).T
    dz1 = (dz2 @ W2) * (z1 > 0)  # notebook 04's habit; runs when H = K
    return x.T @ dz1, dz1.sum(axis=0), a1.T @ dz2, dz2.sum(axis=0)
""",
        "rows_and_columns": """
def classifier_gradients(x, t, W1, b1, W2, b2):
    z1 = x @ W1 + b1
    a1 = np.maximum(z1, 0)
    dz2 = cross_entropy_grad(a1 @ W2 + b2, t)  # logits one example per row
    dz1 = (dz2 @ W2.T) * (z1 > 0)
    return x.T @ dz1, dz1.sum(axis=0), a1.T @ dz2, dz2.sum(axis=0)
""",
    },
    # a short training (one epoch, no shifted copies) keeps the catalogue test fast
    "train_classifier": {
        "zero_init": """
def train_classifier(X, y, seed):
    W1, b1 = np.zeros((256, 32)), np.zeros(32)
    W2, b2 = np.zeros((32, 10)), np.zeros(10)
    for start in range(0, len(X), 64):
        x, t = X[start : start + 64], y[start : start + 64]
        z1 = x @ W1 + b1
        a1 = np.maximum(z1, 0)
        dz2 = cross_entropy_grad((a1 @ W2 + b2).T, t).T
        dz1 = (dz2 @ W2.T) * (z1 > 0)
        W1 -= 0.1 * x.T @ dz1
        b1 -= 0.1 * dz1.sum(axis=0)
        W2 -= 0.1 * a1.T @ dz2
        b2 -= 0.1 * dz2.sum(axis=0)
    return W1, b1, W2, b2
""",
        "uphill": """
def train_classifier(X, y, seed):
    rng = np.random.default_rng(seed)
    W1, b1 = rng.standard_normal((256, 32)) * np.sqrt(2 / 256), np.zeros(32)
    W2, b2 = rng.standard_normal((32, 10)) * np.sqrt(2 / 32), np.zeros(10)
    for start in range(0, len(X), 64):
        x, t = X[start : start + 64], y[start : start + 64]
        z1 = x @ W1 + b1
        a1 = np.maximum(z1, 0)
        dz2 = cross_entropy_grad((a1 @ W2 + b2).T, t).T
        dz1 = (dz2 @ W2.T) * (z1 > 0)
        W1 += 0.1 * x.T @ dz1
        b1 += 0.1 * dz1.sum(axis=0)
        W2 += 0.1 * a1.T @ dz2
        b2 += 0.1 * dz2.sum(axis=0)
    return W1, b1, W2, b2
""",
    },
}
