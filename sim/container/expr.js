// {{ }} data bindings: splitting "a {{x}} b" into parts and evaluating JS expressions against
// page data (plus wx:for locals). Like WXML, expressions see only data, never browser globals.
(() => {
  'use strict';
  const C = window.simContainer;

  class ExpressionError extends Error {}

  /**
   * "text {{expr}} more" -> [{text}, {expr}, {text}]; null when there is no binding.
   */
  function parseInterpolation(source, { object = false } = {}) {
    if (!source.includes('{{')) return null;
    const parts = [];
    let at = 0;
    while (at < source.length) {
      const open = source.indexOf('{{', at);
      if (open < 0) {
        parts.push({ text: source.slice(at) });
        break;
      }
      if (open > at) parts.push({ text: source.slice(at, open) });
      const close = findClose(source, open + 2);
      if (close < 0) throw new ExpressionError(`unclosed {{ in "${source}"`);
      const expr = source.slice(open + 2, close).trim();
      if (!expr) throw new ExpressionError(`empty {{}} in "${source}"`);
      // <template data="{{a, b: 1, ...item}}"> is an object literal without its braces.
      parts.push({ expr, fn: compile(object ? `{${expr}}` : expr) });
      at = close + 2;
    }
    return parts;
  }

  // The "}}" that ends a binding, skipping string literals and object literals in it.
  function findClose(source, from) {
    let depth = 0;
    let quote = null;
    for (let i = from; i < source.length; i++) {
      const ch = source[i];
      if (quote) {
        if (ch === '\\') i++;
        else if (ch === quote) quote = null;
      } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
      else if (ch === '{') depth++;
      else if (ch === '}') {
        if (depth === 0 && source[i + 1] === '}') return i;
        depth = Math.max(0, depth - 1);
      }
    }
    return -1;
  }

  const compiled = new Map();

  function compile(expr) {
    if (compiled.has(expr)) return compiled.get(expr);
    let fn;
    try {
      // Sloppy-mode code from `new Function` may use `with`: names resolve in the data scope.
      fn = new Function('__scope', `with (__scope) { return (${expr}\n); }`);
    } catch (error) {
      throw new ExpressionError(`bad expression {{${expr}}}: ${error.message}`);
    }
    compiled.set(expr, fn);
    return fn;
  }

  /** A `with` scope in which every name is data (locals first); unknown names are undefined. */
  function scopeOf(data, locals) {
    return new Proxy(Object.create(null), {
      has: (_, name) => typeof name === 'string',
      get: (_, name) => {
        if (typeof name !== 'string') return undefined;
        if (locals && Object.prototype.hasOwnProperty.call(locals, name)) return locals[name];
        return data == null ? undefined : data[name];
      },
    });
  }

  function run(part, scope) {
    try {
      return part.fn(scope);
    } catch (error) {
      // WXML paths are null-safe: a.b.c with a undefined is undefined, with a warning.
      if (error instanceof TypeError) {
        console.warn(`[sim] {{${part.expr}}}: ${error.message}`);
        return undefined;
      }
      throw error;
    }
  }

  function asText(value) {
    return value === undefined || value === null ? '' : String(value);
  }

  /** Evaluate parts: a lone {{expr}} keeps its value's type, anything else is a string. */
  function evaluate(parts, data, locals) {
    const scope = scopeOf(data, locals);
    if (parts.length === 1 && parts[0].fn) return run(parts[0], scope);
    return parts.map((part) => (part.fn ? asText(run(part, scope)) : part.text)).join('');
  }

  C.expr = { parseInterpolation, evaluate, asText, ExpressionError };
})();
