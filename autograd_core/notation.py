"""Formulas as text, for the chain-rule lines of ``trace_backward``.

Each op class (a ``Function`` subclass) writes its forward formula (``x+y``,
``(x+y)^2``) and, for each input, its local derivative (``d(w^2)/dw = 2w``) or, where the
gradient is not a plain elementwise product (matmul, im2col), a rule that combines the
upstream gradient with the operands (``delta @ W^T``). This module only builds the text:
an ``Expr`` is a string with the precedence of its outermost operator, so parentheses
appear only where needed. It imports nothing from the package, so every op can use it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

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


# A trace rule says how one input of a node gets its gradient: ("local", D) when it is
# upstream * D elementwise (D the local derivative), or ("custom", f) when it is
# f(upstream), a formula of its own (matmul's delta @ B^T, im2col's col2im(delta)).
Rule = tuple[str, "Expr | Callable[[Expr], Expr]"]

ONE = Expr("1")
ZERO = Expr("0")


def format_number(v: float | int | bool, precision: int = 4) -> str:
    """A short, exact-looking number: 6.0, -0.25, 1.235e-05, 3 (ints stay ints)."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    v = float(v)
    if math.isnan(v) or math.isinf(v):
        return str(v)
    s = f"{v:.{precision}g}"
    if "e" not in s and "." not in s:
        s += ".0"
    return s


def number(v: float | int) -> Expr:
    """A number as a formula (a negative one binds like a difference)."""
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
    if lowest >= POW and text[:1].isdigit() and not is_number(Expr(text)):
        lowest = MUL  # 2(x+y), 2x: a product written by juxtaposition
    return lowest


def is_number(e: Expr) -> bool:
    """Is the formula a plain number?"""
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
    if is_number(b) and not is_number(a):
        a, b = b, a
    if b.text.startswith("1/") and not a.text.startswith("1/"):
        a, b = b, a
    if a.text.startswith("1/") and a.prec == MUL:
        rest = a.text[2:]
        return div(b, Expr(rest, prec_of(rest)))
    if is_number(a) and a.prec == ATOM and not b.text[0].isdigit() and b.prec >= MUL:
        if b.prec == MUL:
            return Expr(f"{a.text}({b.text})", MUL)
        return Expr(a.text + b.at(POW), MUL)
    if is_number(a) and a.prec == ATOM and b.prec < MUL:
        return Expr(f"{a.text}({b.text})", MUL)
    return Expr(f"{a.at(MUL)}*{b.at(MUL)}", MUL)


def neg(a: Expr) -> Expr:
    """-a, with a double minus cancelled."""
    if a.text.startswith("-") and a.prec >= MUL:
        return Expr(a.text[1:], a.prec)
    return Expr(f"-{a.at(MUL)}", ADD)


def add(a: Expr, b: Expr) -> Expr:
    """a+b (a+-b is written a-b)."""
    if b.text.startswith("-"):
        return Expr(f"{a.at(ADD)}-{b.text[1:] if b.prec >= MUL else b.at(MUL)}", ADD)
    return Expr(f"{a.at(ADD)}+{b.at(ADD)}", ADD)


def sub(a: Expr, b: Expr) -> Expr:
    """a-b."""
    return Expr(f"{a.at(ADD)}-{b.at(MUL)}", ADD)


def div(a: Expr, b: Expr) -> Expr:
    """a/b (a/1 is a)."""
    if b.text == "1":
        return a
    return Expr(f"{a.at(MUL)}/{b.at(POW)}", MUL)


def power(a: Expr, b: Expr) -> Expr:
    """a^b (a^1 is a)."""
    if b.text == "1":
        return a
    return Expr(f"{a.at(ATOM)}^{b.at(ATOM)}", POW)


def call(fn: str, *args: Expr | str) -> Expr:
    """fn(a, ...): a function applied to formulas (or to plain text such as ``dim=1``)."""
    return Expr(f"{fn}({', '.join(a if isinstance(a, str) else a.text for a in args)})")


def matmul(a: Expr, b: Expr) -> Expr:
    """a @ b, ranked below * so that a product with it is parenthesised: (A@B)*c."""
    return Expr(f"{a.at(MUL)}@{b.at(POW)}", ADD)


def transposed(a: Expr) -> str:
    """a^T, as text."""
    return f"{a.at(ATOM)}^T"


def indexed(a: Expr, index: str) -> Expr:
    """a[index]."""
    return Expr(f"{a.at(ATOM)}[{index}]")


def iverson(condition: str) -> Expr:
    """[condition]: 1 where it holds, else 0."""
    return Expr(f"[{condition}]")
