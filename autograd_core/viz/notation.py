"""Symbolic chain-rule notation per op type, for printing backward steps.

Each op gets a forward expression (``x+y``, ``(x+y)^2``) and, for each input, its local
derivative (``d(w^2)/dw = 2w``) or, where the gradient is not a plain product (matmul,
broadcasting), a rule that combines the upstream gradient with the operands
(``delta @ W^T``). Ops without a rule still get numeric values; only the symbol is left
out. Expressions are strings with a precedence, so parentheses appear only where needed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .style import format_number

ADD, MUL, POW, ATOM = 1, 2, 3, 4


class Expr:
    """A formula as text, with the precedence of its outermost operator."""

    __slots__ = ("text", "prec")

    def __init__(self, text: str, prec: int = ATOM) -> None:
        self.text = text
        self.prec = prec

    def __repr__(self) -> str:
        return self.text

    def at(self, prec: int) -> str:
        """The text, parenthesised if it binds looser than ``prec``."""
        return self.text if self.prec >= prec else f"({self.text})"


ONE = Expr("1")


def number(v: float | int) -> Expr:
    text = format_number(v)
    return Expr(text, ATOM if not text.startswith("-") else ADD)


def prec_of(text: str) -> int:
    """Precedence of a formula's outermost operator (for formulas kept as text)."""
    depth = 0
    lowest = ATOM
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0:
            if ch in "+-" and i > 0 and text[i - 1] not in "e(":
                lowest = min(lowest, ADD)
            elif ch == "-" and i == 0:
                lowest = min(lowest, ADD)
            elif ch in "*/@":
                lowest = min(lowest, MUL)
            elif ch == "^":
                lowest = min(lowest, POW)
    if lowest >= POW and text[:1].isdigit() and not _is_number(Expr(text)):
        lowest = MUL  # 2(x+y), 2x: a product written by juxtaposition
    return lowest


def _is_number(e: Expr) -> bool:
    try:
        float(e.text)
    except ValueError:
        return False
    return True


def mul(a: Expr, b: Expr) -> Expr:
    """a*b, simplified: 1*b = b, -1*b = -b, and a number times x is written 2x or 2(x+y)."""
    if a.text == "1":
        return b
    if b.text == "1":
        return a
    if a.text == "-1":
        return neg(b)
    if b.text == "-1":
        return neg(a)
    if b.text == "0" or a.text == "0":
        return Expr("0")
    if _is_number(b) and not _is_number(a):
        a, b = b, a
    if b.text.startswith("1/") and not a.text.startswith("1/"):
        a, b = b, a
    if a.text.startswith("1/") and a.prec == MUL:
        rest = a.text[2:]
        return div(b, Expr(rest, prec_of(rest)))
    if _is_number(a) and a.prec == ATOM and not b.text[0].isdigit() and b.prec >= MUL:
        if b.prec == MUL:
            return Expr(f"{a.text}({b.text})", MUL)
        return Expr(a.text + b.at(POW), MUL)
    if _is_number(a) and a.prec == ATOM and b.prec < MUL:
        return Expr(f"{a.text}({b.text})", MUL)
    return Expr(f"{a.at(MUL)}*{b.at(MUL)}", MUL)


def neg(a: Expr) -> Expr:
    if a.text.startswith("-") and a.prec >= MUL:
        return Expr(a.text[1:], a.prec)
    return Expr(f"-{a.at(MUL)}", ADD)


def add(a: Expr, b: Expr) -> Expr:
    if b.text.startswith("-"):
        return Expr(f"{a.at(ADD)}-{b.text[1:] if b.prec >= MUL else b.at(MUL)}", ADD)
    return Expr(f"{a.at(ADD)}+{b.at(ADD)}", ADD)


def sub(a: Expr, b: Expr) -> Expr:
    return Expr(f"{a.at(ADD)}-{b.at(MUL)}", ADD)


def div(a: Expr, b: Expr) -> Expr:
    if b.text == "1":
        return a
    return Expr(f"{a.at(MUL)}/{b.at(POW)}", MUL)


def power(a: Expr, b: Expr) -> Expr:
    if b.text == "1":
        return a
    return Expr(f"{a.at(ATOM)}^{b.at(ATOM)}", POW)


def call(fn: str, a: Expr) -> Expr:
    return Expr(f"{fn}({a.text})")


# ----- forward expressions ---------------------------------------------------------------
_FUNCS = {
    "Exp": "exp", "Log": "log", "Sqrt": "sqrt", "Abs": "abs", "Sin": "sin", "Cos": "cos",
    "Tanh": "tanh", "Sigmoid": "sigmoid", "Relu": "relu", "LeakyRelu": "leaky_relu",
    "Sum": "sum", "Mean": "mean", "Softmax": "softmax", "LogSoftmax": "log_softmax",
}


def forward_expr(op: str, operands: Sequence[Expr], label: str) -> Expr:
    """The op's output as a formula of its operands (tensors and numbers, in order)."""
    a = operands[0] if operands else Expr("?")
    b = operands[1] if len(operands) > 1 else None
    if op == "Add" and b is not None:
        return add(a, b)
    if op == "Sub" and b is not None:
        return sub(a, b)
    if op == "Mul" and b is not None:
        return mul(a, b)
    if op == "Div" and b is not None:
        return div(a, b)
    if op == "Pow" and b is not None:
        return power(a, b)
    if op == "MatMul" and b is not None:
        # Ranked below * so that a product with it is parenthesised: (A@B)*c.
        return Expr(f"{a.at(MUL)}@{b.at(POW)}", ADD)
    if op == "Neg":
        return neg(a)
    if op in ("Clone", "ToDtype"):
        return a
    if op in _FUNCS:
        return call(_FUNCS[op], a)
    name = label.split("(", 1)[0]
    return Expr(f"{name}({', '.join(o.text for o in operands)})")


# ----- local derivatives -----------------------------------------------------------------
# A rule gives, for input k, either ("local", D): the gradient is upstream * D elementwise,
# or ("custom", f): the gradient is f(upstream) (matmul's delta @ B^T).
Rule = tuple[str, "Expr | Callable[[Expr], Expr]"]


def local_rule(
    op: str,
    k: int,
    operands: Sequence[Expr],
    out: Expr,
    numbers: Sequence[bool],
    count: int | None = None,
) -> Rule | None:
    """How input ``k`` of op ``op`` gets its gradient, symbolically; None when unknown.

    operands: formulas of the op's operands in order; out: the output's formula;
    numbers[j]: operand j is a Python number (constant exponent, scalar other);
    count: how many elements a mean averages.
    """
    a = operands[0] if operands else None
    b = operands[1] if len(operands) > 1 else None
    if op in ("Add", "Clone", "ToDtype", "Sum"):
        return ("local", ONE)
    if op == "Sub":
        return ("local", ONE if k == 0 else Expr("-1", ADD))
    if op == "Neg":
        return ("local", Expr("-1", ADD))
    if op == "Mul" and b is not None:
        return ("local", b if k == 0 else a)
    if op == "Div" and b is not None:
        if k == 0:
            return ("local", div(ONE, b))
        return ("local", neg(div(a, power(b, Expr("2")))))
    if op == "Pow" and b is not None:
        if k == 0:
            if numbers[1]:
                n = float(b.text)
                if n == 0:
                    return ("local", Expr("0"))
                if n == 1:
                    return ("local", ONE)
                is_int = "." not in b.text and "e" not in b.text
                n_1 = number(int(n) - 1 if is_int else n - 1)
                return ("local", mul(b, power(a, n_1)))
            return ("local", mul(b, power(a, Expr(f"{b.at(ADD)}-1", ADD))))
        return ("local", mul(out, call("log", a)))
    if op == "Exp":
        return ("local", out)
    if op == "Log":
        return ("local", div(ONE, a))
    if op == "Sqrt":
        return ("local", div(ONE, Expr(f"2{call('sqrt', a).text}", MUL)))
    if op == "Tanh":
        return ("local", sub(ONE, power(call("tanh", a), Expr("2"))))
    if op == "Sigmoid":
        s = call("sigmoid", a)
        return ("local", Expr(f"{s.text}(1-{s.text})", MUL))
    if op == "LeakyRelu" and b is not None:
        return ("local", Expr(f"[{a.text}>0]+{b.text}[{a.text}<=0]", ADD))
    if op == "Relu":
        return ("local", Expr(f"[{a.text}>0]"))
    if op == "Abs":
        return ("local", call("sign", a))
    if op == "Sin":
        return ("local", call("cos", a))
    if op == "Cos":
        return ("local", neg(call("sin", a)))
    if op == "Mean":
        return ("local", Expr(f"1/{count if count is not None else 'n'}", MUL))
    if op == "MatMul" and b is not None:
        if k == 0:
            return ("custom", lambda u: Expr(f"{u.at(ATOM)} @ {b.at(ATOM)}^T", ADD))
        return ("custom", lambda u: Expr(f"{a.at(ATOM)}^T @ {u.at(ATOM)}", ADD))
    return None


ELEMENTWISE = frozenset(
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Neg", "Exp", "Log", "Sqrt", "Abs", "Sin", "Cos",
        "Tanh", "Sigmoid", "Relu", "LeakyRelu", "Clone", "ToDtype", "Maximum", "Minimum",
        "Where",
    }
)
