// WXS modules: <wxs module="m"> inline code or src="./x.wxs", run once per file in a sandbox that
// hides the browser (and wx, Date, RegExp, timers: WXS has none of them) and offers WXS's own
// getRegExp / getDate and require() of other .wxs files. Their exports become names in {{ }}.
(() => {
  'use strict';
  const C = window.simContainer;
  const { AppError } = C.errors;

  // Globals WXS does not have: shadowed by parameters that are undefined.
  const HIDDEN = ['window', 'document', 'globalThis', 'self', 'wx', 'fetch', 'XMLHttpRequest', 'setTimeout',
    'setInterval', 'clearTimeout', 'clearInterval', 'Date', 'RegExp', 'Promise', 'localStorage', 'navigator',
    'location', 'eval', 'Function', 'App', 'Page', 'Component', 'getApp', 'getCurrentPages'];
  const PARAMS = ['module', 'exports', 'require', 'getRegExp', 'getDate', ...HIDDEN];

  function getRegExp(pattern, flags) {
    return new RegExp(pattern, flags);
  }

  function getDate(...args) {
    return new Date(...args);
  }

  const cache = new Map(); // file (or inline key) -> exports

  /**
   * Run WXS code. `sourceFile` is where stacks point (the .wxs, or the .wxml holding it);
   * `firstLine` its first line in that file, so error lines are the file's own.
   */
  function run(code, sourceFile, firstLine, files, key) {
    if (cache.has(key)) return cache.get(key);
    const module = { exports: {} };
    const require = (request) => {
      const target = resolve(sourceFile, String(request));
      if (!target.endsWith('.wxs')) throw new AppError(sourceFile, null, `WXS require("${request}"): only .wxs files can be required`);
      if (!(target in files)) throw new AppError(sourceFile, null, `WXS require("${request}"): ${target} is not in the app`);
      return run(files[target], target, 1, files, target);
    };
    const padding = '\n'.repeat(Math.max(0, firstLine - 1));
    let fn;
    try {
      fn = new Function(...PARAMS, `${padding}${code}\n//# sourceURL=${C.APP_URL}${sourceFile}`);
    } catch (error) {
      throw new AppError(sourceFile, firstLine, `WXS ${error.name}: ${error.message}`);
    }
    cache.set(key, module.exports);
    fn(module, module.exports, require, getRegExp, getDate);
    cache.set(key, module.exports);
    return module.exports;
  }

  function resolve(from, request) {
    const parts = request.startsWith('/') ? [] : from.split('/').slice(0, -1);
    for (const piece of request.split('/')) {
      if (piece === '..') parts.pop();
      else if (piece !== '.' && piece) parts.push(piece);
    }
    return parts.join('/');
  }

  /** The exports of a <wxs> tag of `wxmlFile` (inline text or src). */
  function load(node, wxmlFile, files, inlineCode) {
    const src = node.attrs.get('src');
    if (src) {
      const target = resolve(wxmlFile, String(src.value));
      if (!(target in files)) throw new AppError(wxmlFile, node.line, `<wxs src="${src.value}">: ${target} is not in the app`);
      return run(files[target], target, 1, files, target);
    }
    return run(inlineCode, wxmlFile, node.line, files, `${wxmlFile}#${node.line}`);
  }

  function reset() {
    cache.clear();
  }

  C.wxs = { load, reset, getRegExp, getDate };
})();
