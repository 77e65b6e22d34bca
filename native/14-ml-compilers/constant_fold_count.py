"""Constant folding on the expression x * (2.0 * 3.0) * 4.0: parse it with Python's ast,
fold every subexpression whose operands are all constants (what a compiler's constant-folding
pass does without fast-math reassociation), and count the multiplications left, which run once
per element of x. Cross-checked against CPython's own compiler, which folds constants too.

Prints one JSON line; value = multiplications left per element.
"""

import ast
import dis
import json
import operator

EXPR = "x * (2.0 * 3.0) * 4.0"
OPS = {ast.Mult: operator.mul, ast.Add: operator.add, ast.Sub: operator.sub, ast.Div: operator.truediv}


class Fold(ast.NodeTransformer):
    def visit_BinOp(self, node):
        self.generic_visit(node)                       # fold the operands first (bottom-up)
        if isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Constant):
            return ast.copy_location(ast.Constant(OPS[type(node.op)](node.left.value, node.right.value)), node)
        return node


class Reassociate(ast.NodeTransformer):
    """(e * c1) * c2 -> e * (c1 * c2): legal only under fast-math, floats are not associative."""
    def visit_BinOp(self, node):
        self.generic_visit(node)
        if (isinstance(node.op, ast.Mult) and isinstance(node.right, ast.Constant)
                and isinstance(node.left, ast.BinOp) and isinstance(node.left.op, ast.Mult)
                and isinstance(node.left.right, ast.Constant)):
            return ast.BinOp(node.left.left, ast.Mult(), ast.Constant(node.left.right.value * node.right.value))
        return node


def mults(tree) -> int:
    return sum(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult) for n in ast.walk(tree))


tree = ast.parse(EXPR, mode="eval")
before = mults(tree)
folded = Fold().visit(ast.parse(EXPR, mode="eval"))
after, folded_src = mults(folded), ast.unparse(folded.body)
reassoc = Fold().visit(Reassociate().visit(folded))      # (mutates folded: read it above)
cpython = sum(i.opname == "BINARY_OP" and i.argrepr == "*" or i.opname == "BINARY_MULTIPLY"
              for i in dis.get_instructions(compile(EXPR, "<expr>", "eval")))
assert cpython == after
print(json.dumps({
    "value": after,
    "unit": "multiplications per element",
    "method": "ast constant folder",
    "detail": {
        "expression": EXPR,
        "parsed_as": "(x * (2.0 * 3.0)) * 4.0  (* is left-associative)",
        "before_folding": before,
        "after_folding": folded_src, "multiplications_after_folding": after,
        "cpython_bytecode_multiplications": cpython,
        "with_fast_math_reassociation": ast.unparse(reassoc.body),
        "multiplications_with_reassociation": mults(reassoc),
    },
}))
