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
    const lineStarts = [0];
    for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) lineStarts.push(i + 1);
    const lineAt = (index) => {
      let lo = 0;
      let hi = lineStarts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (lineStarts[mid] <= index) lo = mid;
        else hi = mid - 1;
      }
      return lo + 1;
    };
    // <wxs> holds code: its text runs to </wxs> whatever "<" it contains.
    const rawText = (node, from) => {
      const end = source.indexOf('</wxs>', from);
      if (end < 0) fail(from, '<wxs> is never closed');
      node.children.push({ kind: 'text', raw: source.slice(from, end), line: lineAt(from), code: true });
      stack.pop();
      return end + '</wxs>'.length;
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
        const opened = stack[stack.length - 1];
        if (opened.tag === 'wxs' && !opened.children.length) at = rawText(opened, at);
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
  const EVENT_ATTR = /^(bind|catch|mut-bind|capture-bind|capture-catch):?([A-Za-z][\w-]*)$/;
  const UNFIRED = new Set(['refresherpulling', 'refresherrefresh', 'refresherrestore', 'refresherabort', 'dragstart',
    'dragging', 'dragend', 'columnchange', 'touchforcechange', 'transitionend', 'animationstart', 'animationiteration',
    'animationend', 'keyboardheightchange', 'linechange', 'nicknamereview', 'transition', 'scale', 'markertap',
    'regionchange', 'statechange', 'fullscreenchange', 'timeupdate', 'play', 'pause', 'ended']);
  const ANY_ATTR = /^(aria-[a-z-]+|role|animation)$/; // accepted on every component, no effect in the sim

  function bindingOf(value, file, line, { object = false } = {}) {
    if (value === true) return { constant: true };
    let parts;
    try {
      parts = C.expr.parseInterpolation(value, { object });
    } catch (error) {
      if (error instanceof C.expr.ExpressionError) throw new WxmlError(file, line, error.message);
      throw error;
    }
    return parts ? { parts } : { constant: value };
  }

  /**
   * A loaded WXML file: its render tree, the templates it defines (and imports), its WXS modules.
   * `env` = {files, components: Map(tag -> component path), key}: the owner's custom components
   * (templates from other files render with the components of the page or component using them).
   */
  function loadFile(file, env) {
    const cacheKey = `${file}|${env.key}`;
    if (cache.has(cacheKey)) return cache.get(cacheKey);
    if (!(file in env.files)) throw new WxmlError(file, null, 'the template file is missing');
    const scope = { file, children: [], templates: new Map(), ownTemplates: new Map(), wxs: Object.create(null) };
    cache.set(cacheKey, scope);
    const root = parse(env.files[file], file);
    const ctx = { file, env, scope, including: new Set([file]) };
    expandIncludes(root, ctx);
    collectDeclarations(root, ctx);
    scope.children = compileChildren(root, ctx);
    return scope;
  }
  const cache = new Map();

  /** <include src> copies the file's content (except its <template> and <wxs>) in place. */
  function expandIncludes(node, ctx) {
    const out = [];
    for (const child of node.children) {
      if (child.kind === 'element' && child.tag === 'include') {
        const target = resolveWxml(ctx, child, 'include');
        if (ctx.including.has(target)) throw new WxmlError(ctx.file, child.line, `<include> of ${target} includes itself`);
        const included = parse(ctx.env.files[target], target);
        ctx.including.add(target);
        expandIncludes(included, ctx);
        ctx.including.delete(target);
        for (const grand of included.children) {
          if (grand.kind === 'element' && ['template', 'wxs', 'import'].includes(grand.tag) && !grand.attrs.has('is')) continue;
          grand.fromFile = grand.fromFile || target;
          out.push(grand);
        }
        continue;
      }
      if (child.kind === 'element') expandIncludes(child, ctx);
      out.push(child);
    }
    node.children = out;
  }

  function resolveWxml(ctx, node, tag) {
    const src = node.attrs.get('src');
    if (!src || src.value === true) throw new WxmlError(ctx.file, node.line, `<${tag}> needs a src`);
    const parts = String(src.value).startsWith('/') ? [] : ctx.file.split('/').slice(0, -1);
    for (const piece of String(src.value).split('/')) {
      if (piece === '..') parts.pop();
      else if (piece !== '.' && piece) parts.push(piece);
    }
    let target = parts.join('/');
    if (!target.endsWith('.wxml')) target += '.wxml';
    if (!(target in ctx.env.files)) throw new WxmlError(ctx.file, node.line, `<${tag} src="${src.value}">: ${target} is not in the app`);
    return target;
  }

  /** <wxs module>, <import src> and <template name> anywhere in the file: the file's scope. */
  function collectDeclarations(node, ctx) {
    for (const child of node.children) {
      if (child.kind !== 'element') continue;
      if (child.tag === 'wxs') {
        const name = child.attrs.get('module');
        if (!name || name.value === true) throw new WxmlError(ctx.file, child.line, '<wxs> needs a module name');
        const code = child.children.map((c) => c.raw || '').join('');
        try {
          ctx.scope.wxs[name.value] = C.wxs.load(child, child.fromFile || ctx.file, ctx.env.files, code);
        } catch (error) {
          if (error instanceof C.errors.AppError) throw error;
          const frame = C.errors.appFrame(error.stack); // "file:line" inside the WXS code
          const [file, line] = frame ? [frame.slice(0, frame.lastIndexOf(':')), Number(frame.split(':').pop())] : [ctx.file, child.line];
          throw new WxmlError(file, line, `<wxs module="${name.value}">: ${error.name}: ${error.message}`);
        }
      } else if (child.tag === 'import') {
        const imported = loadFile(resolveWxml(ctx, child, 'import'), ctx.env);
        for (const [name, template] of imported.ownTemplates) ctx.scope.templates.set(name, template);
      } else if (child.tag === 'template' && child.attrs.has('name')) {
        const name = String(child.attrs.get('name').value);
        const template = { name, scope: ctx.scope, children: null, node: child, file: ctx.file };
        ctx.scope.ownTemplates.set(name, template);
        ctx.scope.templates.set(name, template);
      } else collectDeclarations(child, ctx);
    }
    for (const template of ctx.scope.ownTemplates.values()) {
      if (!template.children) template.children = compileChildren(template.node, ctx);
    }
  }

  /**
   * Check every tag and attribute against the supported components and precompile bindings.
   * Anything unsupported is an error naming the file, the line and the feature.
   */
  function compileChildren(node, ctx) {
    const out = [];
    for (const child of node.children) {
      const file = child.fromFile || ctx.file;
      if (child.kind === 'text') {
        out.push({ kind: 'text', line: child.line, binding: bindingOf(decodeEntities(child.raw), file, child.line) });
        continue;
      }
      if (child.tag === 'wxs' || child.tag === 'import' || (child.tag === 'template' && child.attrs.has('name'))) continue;
      out.push(compileElement(child, ctx, file));
    }
    checkConditions(out, ctx.file);
    return out;
  }

  function compileElement(child, ctx, file) {
    const node = { kind: 'element', tag: child.tag, line: child.line, file, directives: {}, events: [], props: [],
      marks: [], model: null };
    const custom = ctx.env.components.get(child.tag);
    if (child.tag === 'template') node.kind = 'use-template';
    else if (child.tag === 'slot') node.kind = 'slot';
    else if (custom) {
      node.kind = 'custom';
      node.component = custom;
    } else if (!components[child.tag]) {
      throw new WxmlError(file, child.line, `<${child.tag}> is not supported by the sim yet (nor a custom component in usingComponents)`);
    }
    const spec = node.kind === 'element' ? components[child.tag] : null;
    node.spec = spec;
    for (const [name, { value, line }] of child.attrs) compileAttribute(node, name, value, line, file);
    if (node.kind === 'use-template' && !node.is) throw new WxmlError(file, child.line, '<template> needs name (to define) or is (to use)');
    if (spec && spec.leaf && child.children.some((c) => c.kind === 'element' || c.raw.trim())) {
      throw new WxmlError(file, child.line, `<${child.tag}> cannot have content`);
    }
    node.children = compileChildren(child, ctx);
    return node;
  }

  function compileAttribute(node, name, value, line, file) {
    const where = `<${node.tag}>`;
    if (name.startsWith('wx:')) {
      if (!DIRECTIVES.has(name)) throw new WxmlError(file, line, `${name} is not supported by the sim yet`);
      node.directives[name] = bindingOf(value, file, line);
      return;
    }
    const event = EVENT_ATTR.exec(name);
    if (event) {
      const type = event[2];
      // Any name may be bound (custom events bubble through built-ins), but not the WeChat events the sim never fires.
      if (node.kind === 'element' && !node.spec.events.has(type) && UNFIRED.has(type)) {
        throw new WxmlError(file, line, `event ${name} on ${where} is not supported by the sim yet`);
      }
      if (value === true) throw new WxmlError(file, line, `${name} needs a handler name`);
      const kind = event[1];
      node.events.push({ type, catch: kind.endsWith('catch'), capture: kind.startsWith('capture'), mut: kind === 'mut-bind',
        handler: bindingOf(value, file, line) });
      return;
    }
    if (name.startsWith('mark:')) {
      node.marks.push({ name: name.slice(5), binding: bindingOf(value, file, line) });
      return;
    }
    if (name.startsWith('data-')) {
      node.props.push({ name, dataset: datasetKey(name), binding: bindingOf(value, file, line) });
      return;
    }
    if (name.startsWith('model:')) {
      const prop = name.slice(6);
      const binding = bindingOf(value, file, line);
      const path = binding.parts && binding.parts.length === 1 && binding.parts[0].expr;
      if (!path || !/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*|\[\d+\])*$/.test(path)) {
        throw new WxmlError(file, line, `${name} must bind a data path like "{{value}}"`);
      }
      if (node.kind === 'element' && !(node.spec.model || []).includes(prop)) {
        throw new WxmlError(file, line, `${name} on ${where} is not supported by the sim yet`);
      }
      node.model = { prop, path };
      node.props.push({ name: prop, binding });
      return;
    }
    if (/^(generic|capture-|mut-|worklet:)/.test(name)) {
      throw new WxmlError(file, line, `${name.split(':')[0]} on ${where} is not supported by the sim yet`);
    }
    if (node.kind === 'use-template') {
      if (name === 'is') node.is = bindingOf(value, file, line);
      else if (name === 'data') node.data = bindingOf(value, file, line, { object: true });
      else throw new WxmlError(file, line, `attribute ${name} on <template> is not supported`);
      return;
    }
    if (node.kind === 'slot') {
      if (name !== 'name') throw new WxmlError(file, line, `attribute ${name} on <slot> is not supported by the sim yet`);
      node.name = String(value);
      return;
    }
    if (node.kind === 'element' && !node.spec.attrs.has(name) && !ANY_ATTR.test(name)) {
      throw new WxmlError(file, line, `attribute ${name} on ${where} is not supported by the sim yet`);
    }
    node.props.push({ name, binding: bindingOf(value, file, line) });
  }

  function checkConditions(nodes, file) {
    let previous = null;
    for (const node of nodes) {
      if (node.kind === 'text') {
        if (node.binding.parts || String(node.binding.constant).trim()) previous = node;
        continue;
      }
      const d = node.directives;
      if ((d['wx:elif'] || d['wx:else']) && !(previous && previous.directives && (previous.directives['wx:if'] || previous.directives['wx:elif']))) {
        throw new WxmlError(node.file || file, node.line, `${d['wx:elif'] ? 'wx:elif' : 'wx:else'} without a wx:if before it`);
      }
      previous = node;
    }
  }

  // data-store-id -> storeId; WeChat lower-cases the rest (data-storeId -> storeid).
  function datasetKey(name) {
    return name.slice(5).toLowerCase().replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  }

  /** A page's or component's template (parsed, checked and cached per owner kind). */
  function load(source, file, env) {
    const files = env ? env.files : { [file]: source };
    return loadFile(file, env || { files, components: new Map(), key: `inline:${file}` });
  }

  function resetCache() {
    cache.clear();
  }

  // ---- rendering -------------------------------------------------------------------------------

  const reported = new Set();
  function reportOnce(error) {
    if (reported.has(error.message + error.file + error.line)) return;
    reported.add(error.message + error.file + error.line);
    C.errors.report(error);
  }

  function valueOf(binding, ctx, locals) {
    if (binding.parts) return C.expr.evaluate(binding.parts, ctx.data, locals);
    return binding.constant;
  }

  /** Render a loaded file against `data` into vnodes; `owner` is the instance its events call. */
  function render(scope, data, owner) {
    const out = [];
    const ctx = { data, owner, scope };
    renderChildren(scope.children, ctx, { ...scope.wxs }, out, false);
    return out;
  }

  function renderChildren(nodes, ctx, locals, out, keepSpace) {
    let chainDone = null; // in a wx:if chain: has a branch been taken?
    for (const node of nodes) {
      if (node.kind === 'text') {
        const text = C.expr.asText(valueOf(node.binding, ctx, locals));
        if (keepSpace ? text : text.trim()) out.push({ text: keepSpace ? text : text.replace(/^\s*\n\s*|\s*\n\s*$/g, '') });
        else continue; // whitespace between tags does not break a wx:if chain
        chainDone = null;
        continue;
      }
      const d = node.directives;
      if (d['wx:for'] || d['wx:for-items']) {
        chainDone = null;
        renderList(node, ctx, locals, out);
        continue;
      }
      if (d['wx:if']) {
        chainDone = Boolean(valueOf(d['wx:if'], ctx, locals));
        if (chainDone) renderNode(node, ctx, locals, out);
      } else if (d['wx:elif']) {
        if (!chainDone && valueOf(d['wx:elif'], ctx, locals)) {
          chainDone = true;
          renderNode(node, ctx, locals, out);
        }
      } else if (d['wx:else']) {
        if (!chainDone) renderNode(node, ctx, locals, out);
        chainDone = null;
      } else {
        chainDone = null;
        renderNode(node, ctx, locals, out);
      }
    }
  }

  function renderList(node, ctx, locals, out) {
    const d = node.directives;
    const list = valueOf(d['wx:for'] || d['wx:for-items'], ctx, locals);
    const itemName = d['wx:for-item'] ? String(d['wx:for-item'].constant) : 'item';
    const indexName = d['wx:for-index'] ? String(d['wx:for-index'].constant) : 'index';
    let entries;
    if (Array.isArray(list) || typeof list === 'string') entries = [...list].map((v, i) => [i, v]);
    else if (typeof list === 'number') entries = Array.from({ length: Math.max(0, Math.floor(list)) }, (_, i) => [i, i]);
    else if (list && typeof list === 'object') entries = Object.keys(list).map((k) => [k, list[k]]);
    else entries = [];
    const keyName = d['wx:key'] && typeof d['wx:key'].constant === 'string' ? d['wx:key'].constant : null;
    for (const [index, item] of entries) {
      const itemLocals = { ...locals, [itemName]: item, [indexName]: index };
      // wx:for is applied before wx:if on the same element
      if (d['wx:if'] && !valueOf(d['wx:if'], ctx, itemLocals)) continue;
      const start = out.length;
      renderNode(node, ctx, itemLocals, out);
      if (keyName === null) continue;
      // wx:key: dom.js moves (not re-creates) an item's nodes and components when the list changes
      const key = keyName === '*this' ? item : item && item[keyName];
      for (let k = start; k < out.length; k++) {
        if (!('text' in out[k])) out[k].key = `${node.file}:${node.line}:${typeof key}:${String(key)}:${k - start}`;
      }
    }
  }

  function renderNode(node, ctx, locals, out) {
    if (node.kind === 'use-template') renderTemplate(node, ctx, locals, out);
    else if (node.kind === 'slot') out.push({ slot: node.name || '' });
    else if (node.spec && node.spec.virtual) renderChildren(node.children, ctx, locals, out, false);
    else renderElement(node, ctx, locals, out);
  }

  function renderTemplate(node, ctx, locals, out) {
    const name = C.expr.asText(valueOf(node.is, ctx, locals));
    const template = ctx.scope.templates.get(name);
    if (!template) {
      reportOnce(new WxmlError(node.file, node.line, `<template is="${name}">: no template named "${name}" (define or <import> it)`));
      return;
    }
    const data = node.data ? valueOf(node.data, ctx, locals) : {};
    const inner = { data: data && typeof data === 'object' ? data : {}, owner: ctx.owner, scope: template.scope };
    renderChildren(template.children, inner, { ...template.scope.wxs }, out, false);
  }

  function renderElement(node, ctx, locals, out) {
    const keepSpace = node.tag === 'text';
    const vnode = { tag: node.tag, attrs: {}, dataset: {}, events: [], marks: {}, children: [], file: node.file,
      line: node.line, owner: ctx.owner, model: node.model };
    if (node.kind === 'custom') {
      vnode.component = node.component;
      vnode.props = {};
    }
    for (const prop of node.props) {
      const value = valueOf(prop.binding, ctx, locals);
      if (prop.dataset !== undefined) vnode.dataset[prop.dataset] = value;
      if (vnode.props && !HOST_ATTRS.has(prop.name) && prop.dataset === undefined) vnode.props[camel(prop.name)] = value;
      else vnode.attrs[prop.name] = value; // data-* also stay attributes, as in WeChat's web view
    }
    for (const mark of node.marks) vnode.marks[mark.name] = valueOf(mark.binding, ctx, locals);
    for (const event of node.events) {
      const handler = valueOf(event.handler, ctx, locals);
      if (typeof handler === 'function') {
        reportOnce(new WxmlError(node.file, node.line, 'WXS event handlers (bindtap="{{m.fn}}") are not supported by the sim yet'));
        continue;
      }
      vnode.events.push({ type: event.type, catch: event.catch, capture: event.capture, mut: event.mut,
        handler: C.expr.asText(handler), owner: ctx.owner });
    }
    renderChildren(node.children, ctx, locals, vnode.children, keepSpace);
    out.push(vnode);
  }

  // Attributes of a custom component's tag that style its host instead of being properties.
  const HOST_ATTRS = new Set(['id', 'class', 'style', 'hidden', 'slot']);
  const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

  C.wxml = { load, loadFile, render, parse, resetCache, WxmlError };
})();
