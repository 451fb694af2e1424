// WXSS -> CSS: rpx to px (the phone is 375px wide: 1rpx = 0.5px), component tag selectors to
// <wx-*> names (view -> wx-view, page -> wx-page), selectors scoped to the app's web view (#pages),
// @import inlined from the bundle.
(() => {
  'use strict';
  const C = window.simContainer;

  const PX_PER_RPX = 375 / 750;

  function rpxToPx(css) {
    return css.replace(/(-?\d*\.?\d+)rpx\b/g, (_, n) => `${+(Number(n) * PX_PER_RPX).toFixed(3)}px`);
  }

  const TAGS = () => new Set([...Object.keys(C.components.components), 'page']);
  const TAG_IN_SELECTOR = /(^|[\s>+~,(])([a-z][a-z-]*)(?=$|[\s.#:[>+~,)])/g;
  // App styles apply inside the app's web view only (never to the native UI or the navigation bar).
  const SCOPE = '#pages';

  function rewriteSelectorList(prelude, tags, host) {
    const selectors = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i <= prelude.length; i++) {
      const ch = prelude[i];
      if (ch === '(') depth++;
      else if (ch === ')') depth--;
      else if ((ch === ',' && depth === 0) || i === prelude.length) {
        const selector = prelude.slice(start, i).trim();
        if (selector) {
          const tagged = selector.replace(TAG_IN_SELECTOR, (whole, before, tag) => (tags.has(tag) ? `${before}wx-${tag}` : whole))
            .replace(/:host\b/g, host ? `[is="${host}"]` : ':host'); // a component's :host is its tag
          selectors.push(`${SCOPE} ${tagged}`);
        }
        start = i + 1;
      }
    }
    return /^\s*/.exec(prelude)[0] + selectors.join(', ') + ' ';
  }

  // Rewrite the selectors of style rules (top level or inside @media / @supports); keyframe
  // selectors and declarations stay as they are.
  function rewriteSelectors(css, host) {
    const tags = TAGS();
    const blocks = []; // kinds of the open blocks: 'group' | 'keyframes' | 'rule' | 'other'
    let out = '';
    let start = 0;
    for (let i = 0; i < css.length; i++) {
      const ch = css[i];
      if (ch === '{') {
        const prelude = css.slice(start, i);
        const parent = blocks[blocks.length - 1];
        const head = prelude.trim();
        if (head.startsWith('@')) {
          blocks.push(/^@(-webkit-)?keyframes/.test(head) ? 'keyframes' : /^@(media|supports)/.test(head) ? 'group' : 'other');
          out += prelude;
        } else if (parent === undefined || parent === 'group') {
          blocks.push('rule');
          out += rewriteSelectorList(prelude, tags, host);
        } else {
          blocks.push('other');
          out += prelude;
        }
        out += '{';
        start = i + 1;
      } else if (ch === '}') {
        blocks.pop();
        out += css.slice(start, i + 1);
        start = i + 1;
      }
    }
    return out + css.slice(start);
  }

  function resolve(from, request) {
    const parts = request.startsWith('/') ? [] : from.split('/').slice(0, -1);
    for (const piece of request.split('/')) {
      if (piece === '..') parts.pop();
      else if (piece !== '.' && piece) parts.push(piece);
    }
    const path = parts.join('/');
    return path.endsWith('.wxss') ? path : path + '.wxss';
  }

  /** The CSS for a WXSS file of the bundle (null when the file does not exist); `host`: a component's path. */
  function toCss(file, files, seen = new Set(), host = null) {
    if (!(file in files)) return null;
    if (seen.has(file)) return '';
    seen.add(file);
    const imported = [];
    const own = files[file].replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/@import\s+(?:url\()?\s*["']([^"']+)["']\s*\)?\s*;/g, (_, request) => {
        const target = resolve(file, request);
        const css = toCss(target, files, seen, host);
        if (css === null) throw new C.errors.AppError(file, null, `@import "${request}": ${target} is not in the app`);
        imported.push(css);
        return '';
      });
    // Imported files come first (WXSS puts its @imports at the top), each rewritten once.
    return [...imported, rewriteSelectors(rpxToPx(own), host)].join('\n');
  }

  /** One <style> per WXSS file; page styles are switched on only while their page is on top. */
  function install(key, css) {
    let style = document.querySelector(`style[data-wxss="${key}"]`);
    if (!style) {
      style = document.createElement('style');
      style.dataset.wxss = key;
      document.head.appendChild(style);
    }
    style.textContent = css;
    return style;
  }

  C.wxss = { rpxToPx, toCss, install };
})();
