// WXML: parse a page's template (with line numbers), check it against the supported components,
// and render it against page data into vnodes (dom.js turns vnodes into <wx-*> elements).
(() => {
  'use strict';
  const C = window.simContainer;
  const { components } = C.components;

  class WxmlError extends C.errors.AppError {}

  const ENTITIES = { nbsp: '\u00a0', lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
  function decodeEntities(text) {
    return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name) => {
      if (name[0] === '#') {
        const code = name[1].toLowerCase() === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return String.fromCodePoint(code);
      }
      return ENTITIES[name] ?? whole;
    });
  }

  // ---- parsing ---------------------------------------------------------------------------------

  /** Parse WXML source into a tree of {kind:'element'|'text'} nodes; throws WxmlError with file:line. */
  function parse(source, file) {
    const root = { kind: 'element', tag: '#root', attrs: new Map(), children: [], line: 1 };
    const stack = [root];
    let at = 0;
    const lineAt = (index) => {
      let line = 1;
      for (let i = 0; i < index; i++) if (source.charCodeAt(i) === 10) line++;
      return line;
    };
    const fail = (index, message) => {
      throw new WxmlError(file, lineAt(index), message);
    };

    while (at < source.length) {
      if (source.startsWith('<!--', at)) {
        const end = source.indexOf('-->', at + 4);
        if (end < 0) fail(at, 'unclosed comment <!--');
        at = end + 3;
      } else if (source.startsWith('</', at)) {
        const match = /^<\/\s*([a-zA-Z][\w:-]*)\s*>/.exec(source.slice(at));
        if (!match) fail(at, 'malformed closing tag');
        const open = stack[stack.length - 1];
        if (open === root) fail(at, `</${match[1]}> closes nothing`);
        if (open.tag !== match[1]) fail(at, `</${match[1]}> closes <${open.tag}> opened at line ${open.line}`);
        stack.pop();
        at += match[0].length;
      } else if (source[at] === '<') {
        at = parseOpenTag(at, stack, lineAt, fail);
      } else {
        const end = textEnd(source, at);
        const raw = source.slice(at, end);
        stack[stack.length - 1].children.push({ kind: 'text', raw, line: lineAt(at) });
        at = end;
      }
    }
    if (stack.length > 1) {
      const open = stack[stack.length - 1];
      throw new WxmlError(file, open.line, `<${open.tag}> is never closed`);
    }
    return root;

    function parseOpenTag(start, openStack, lineOf, failAt) {
      const nameMatch = /^<([a-zA-Z][\w:-]*)/.exec(source.slice(start, start + 100));
      if (!nameMatch) failAt(start, `unexpected "<" (write &lt; for a literal <)`);
      const node = { kind: 'element', tag: nameMatch[1], attrs: new Map(), children: [], line: lineOf(start) };
      let i = start + nameMatch[0].length;
      for (;;) {
        while (/\s/.test(source[i] || '')) i++;
        if (i >= source.length) failAt(start, `<${node.tag}> is not terminated by >`);
        if (source.startsWith('/>', i)) {
          openStack[openStack.length - 1].children.push(node);
          return i + 2;
        }
        if (source[i] === '>') {
          openStack[openStack.length - 1].children.push(node);
          openStack.push(node);
          return i + 1;
        }
        const attr = /^[^\s=/>"']+/.exec(source.slice(i, i + 200));
        if (!attr) failAt(i, `malformed attribute in <${node.tag}>`);
        const name = attr[0];
        const attrLine = lineOf(i);
        i += name.length;
        while (/\s/.test(source[i] || '')) i++;
        let value = true; // a bare attribute (wx:else, disabled)
        if (source[i] === '=') {
          i++;
          while (/\s/.test(source[i] || '')) i++;
          const quote = source[i];
          if (quote === '"' || quote === "'") {
            const end = source.indexOf(quote, i + 1);
            if (end < 0) failAt(i, `unclosed ${quote} in attribute ${name} of <${node.tag}>`);
            value = decodeEntities(source.slice(i + 1, end));
            i = end + 1;
          } else {
            const bare = /^[^\s>]+/.exec(source.slice(i));
            if (!bare) failAt(i, `attribute ${name} of <${node.tag}> has no value`);
            value = bare[0].replace(/\/$/, '');
            i += value.length;
          }
        }
        if (node.attrs.has(name)) failAt(i, `attribute ${name} given twice on <${node.tag}>`);
        node.attrs.set(name, { value, line: attrLine });
      }
    }
  }

  // Text runs to the next tag, but a "<" inside {{ }} is an operator.
  function textEnd(source, from) {
    let i = from;
    while (i < source.length) {
      if (source.startsWith('{{', i)) {
        const close = source.indexOf('}}', i + 2);
        if (close < 0) return source.length;
        i = close + 2;
      } else if (source[i] === '<') return i;
      else i++;
    }
    return i;
  }

  // ---- checking and compiling ------------------------------------------------------------------

  const DIRECTIVES = new Set(['wx:if', 'wx:elif', 'wx:else', 'wx:for', 'wx:for-items', 'wx:for-item',
    'wx:for-index', 'wx:key']);
  const EVENT_ATTR = /^(bind|catch)(?::)?([a-z]+)$/;

  function bindingOf(value, file, line) {
    if (value === true) return { constant: true };
    let parts;
    try {
      parts = C.expr.parseInterpolation(value);
    } catch (error) {
      if (error instanceof C.expr.ExpressionError) throw new WxmlError(file, line, error.message);
      throw error;
    }
    return parts ? { parts } : { constant: value };
  }

  /**
   * Check every tag and attribute against the supported components and precompile bindings.
   * Anything unsupported is an error naming the file, the line and the feature.
   */
  function compile(node, file) {
    for (const child of node.children) {
      if (child.kind === 'text') {
        child.binding = bindingOf(decodeEntities(child.raw), file, child.line);
        continue;
      }
      const spec = components[child.tag];
      if (!spec) throw new WxmlError(file, child.line, `<${child.tag}> is not supported by the sim yet`);
      child.spec = spec;
      child.directives = {};
      child.events = [];
      child.props = [];
      for (const [name, { value, line }] of child.attrs) {
        if (name.startsWith('wx:')) {
          if (!DIRECTIVES.has(name)) throw new WxmlError(file, line, `${name} is not supported by the sim yet`);
          child.directives[name] = bindingOf(value, file, line);
          continue;
        }
        const event = EVENT_ATTR.exec(name);
        if (event) {
          if (!spec.events.has(event[2])) {
            throw new WxmlError(file, line, `event ${name} on <${child.tag}> is not supported by the sim yet`);
          }
          if (value === true) throw new WxmlError(file, line, `${name} needs a handler name`);
          child.events.push({ type: event[2], catch: event[1] === 'catch', handler: bindingOf(value, file, line) });
          continue;
        }
        if (/^(capture-bind|capture-catch|mut-bind|model):/.test(name) || /^(capture-|mut-)/.test(name)) {
          throw new WxmlError(file, line, `${name.split(':')[0]} on <${child.tag}> is not supported by the sim yet`);
        }
        if (name.startsWith('data-')) {
          child.props.push({ name, dataset: datasetKey(name), binding: bindingOf(value, file, line) });
          continue;
        }
        if (!spec.attrs.has(name)) {
          throw new WxmlError(file, line, `attribute ${name} on <${child.tag}> is not supported by the sim yet`);
        }
        child.props.push({ name, binding: bindingOf(value, file, line) });
      }
      const d = child.directives;
      if ((d['wx:elif'] || d['wx:else']) && !followsCondition(node.children, child)) {
        throw new WxmlError(file, child.line, `${d['wx:elif'] ? 'wx:elif' : 'wx:else'} without a wx:if before it`);
      }
      if (spec.leaf && child.children.some((c) => c.kind === 'element' || c.raw.trim())) {
        throw new WxmlError(file, child.line, `<${child.tag}> cannot have content in the sim`);
      }
      compile(child, file);
    }
    return node;
  }

  function followsCondition(siblings, node) {
    const index = siblings.indexOf(node);
    for (let i = index - 1; i >= 0; i--) {
      const prev = siblings[i];
      if (prev.kind === 'text' && !prev.raw.trim()) continue;
      return prev.kind === 'element' && Boolean(prev.attrs.has('wx:if') || prev.attrs.has('wx:elif'));
    }
    return false;
  }

  // data-store-id -> storeId; WeChat lower-cases the rest (data-storeId -> storeid).
  function datasetKey(name) {
    return name.slice(5).toLowerCase().replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  }

  /** Parse and check a WXML file once; the result renders any number of times. */
  function load(source, file) {
    return compile(parse(source, file), file);
  }

  // ---- rendering -------------------------------------------------------------------------------

  function valueOf(binding, data, locals) {
    if (binding.parts) return C.expr.evaluate(binding.parts, data, locals);
    return binding.constant;
  }

  /** Render a loaded template against `data` into vnodes. */
  function render(template, data, file) {
    const out = [];
    renderChildren(template.children, data, null, out, file, false);
    return out;
  }

  function renderChildren(nodes, data, locals, out, file, keepSpace) {
    let chainDone = null; // in a wx:if chain: has a branch been taken?
    for (const node of nodes) {
      if (node.kind === 'text') {
        const text = C.expr.asText(valueOf(node.binding, data, locals));
        if (keepSpace ? text : text.trim()) out.push({ text });
        else continue; // whitespace between tags does not break a wx:if chain
        chainDone = null;
        continue;
      }
      const d = node.directives;
      if (d['wx:for'] || d['wx:for-items']) {
        chainDone = null;
        renderList(node, data, locals, out, file);
        continue;
      }
      if (d['wx:if']) {
        chainDone = Boolean(valueOf(d['wx:if'], data, locals));
        if (chainDone) renderElement(node, data, locals, out, file);
      } else if (d['wx:elif']) {
        if (!chainDone && valueOf(d['wx:elif'], data, locals)) {
          chainDone = true;
          renderElement(node, data, locals, out, file);
        }
      } else if (d['wx:else']) {
        if (!chainDone) renderElement(node, data, locals, out, file);
        chainDone = null;
      } else {
        chainDone = null;
        renderElement(node, data, locals, out, file);
      }
    }
  }

  function renderList(node, data, locals, out, file) {
    const d = node.directives;
    let list = valueOf(d['wx:for'] || d['wx:for-items'], data, locals);
    const itemName = d['wx:for-item'] ? String(d['wx:for-item'].constant) : 'item';
    const indexName = d['wx:for-index'] ? String(d['wx:for-index'].constant) : 'index';
    let entries;
    if (Array.isArray(list) || typeof list === 'string') entries = [...list].map((v, i) => [i, v]);
    else if (typeof list === 'number') entries = Array.from({ length: Math.max(0, Math.floor(list)) }, (_, i) => [i, i]);
    else if (list && typeof list === 'object') entries = Object.keys(list).map((k) => [k, list[k]]);
    else entries = [];
    for (const [index, item] of entries) {
      const itemLocals = { ...(locals || {}), [itemName]: item, [indexName]: index };
      // wx:for is applied before wx:if on the same element
      if (d['wx:if'] && !valueOf(d['wx:if'], data, itemLocals)) continue;
      renderElement(node, data, itemLocals, out, file);
    }
  }

  function renderElement(node, data, locals, out, file) {
    const keepSpace = node.tag === 'text';
    if (node.spec.virtual) {
      renderChildren(node.children, data, locals, out, file, keepSpace);
      return;
    }
    const vnode = { tag: node.tag, attrs: {}, dataset: {}, events: [], children: [], file, line: node.line };
    for (const prop of node.props) {
      const value = valueOf(prop.binding, data, locals);
      if (prop.dataset !== undefined) {
        vnode.dataset[prop.dataset] = value;
        vnode.attrs[prop.name] = value;
      } else vnode.attrs[prop.name] = value;
    }
    for (const event of node.events) {
      vnode.events.push({ type: event.type, catch: event.catch, handler: C.expr.asText(valueOf(event.handler, data, locals)) });
    }
    renderChildren(node.children, data, locals, vnode.children, file, keepSpace);
    out.push(vnode);
  }

  C.wxml = { load, render, parse, WxmlError };
})();
