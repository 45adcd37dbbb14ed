// Internal: the types of the expression language's nodes, as the compiler checks them, and
// the built-in functions' signatures (grammar and functions in expression.hpp).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/expression_lexer.hpp"
#include "core/expression_node.hpp"

namespace carnet::core {

using NodePtr = std::unique_ptr<ExprNode>;

NodePtr make_node(ExprOp op, ExprType type);
NodePtr literal_node(Value v, ExprType type);

// Whether a value of type `a` may stand where `b` is expected: the same type, or null.
bool compatible(ExprType a, ExprType b);
// The type of a result that is `a` or `b` (compatible): the one that is not null.
ExprType unify(ExprType a, ExprType b);
// A type's French name, as a message.
Message type_message(ExprType type);

// A parameter made of one sub-message (a French phrase chosen by the code).
MessageParam sub(std::string_view name, Message m);
// What a message names: an operator or a name ("or"), a function ("round()").
Message code_name(std::string_view name);
Message call_name(std::string_view fn);

// Throw CompileError: at `pos`, `message` or the parts of `status`.
[[noreturn]] void compile_error(std::size_t pos, Message message);
[[noreturn]] void compile_error(std::size_t pos, const Status& status);

// Throws « `what` : <type> attendu, <type> trouvé » at `pos` unless `n` is compatible with
// `type`.
void require(const ExprNode& n, ExprType type, std::size_t pos, Message what);

// The node of a call to the built-in function `fn` (every one but the aggregates and
// bracket(), which the parser reads itself) at `pos`, with its parsed arguments, each
// starting at arg_pos[i]. Throws CompileError for an unknown function, a wrong number of
// arguments or an argument of the wrong type.
NodePtr typed_call(const std::string& fn, std::size_t pos, std::vector<NodePtr> args,
                   const std::vector<std::size_t>& arg_pos);

}  // namespace carnet::core
