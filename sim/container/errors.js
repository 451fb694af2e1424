// Runtime errors: caught, named after the app file they come from, shown in a red banner and
// kept in window.__sim.errors (the driver reads them). Also creates the container namespace.
(() => {
  'use strict';
  const C = (window.simContainer = {});
  Error.stackTraceLimit = 50; // the bridge's `extra.stack` must reach the app's frames

  // App modules are compiled with `//# sourceURL=app:///<path>`, so stacks name the app's files.
  const APP_URL = 'app:///';
  C.APP_URL = APP_URL;

  window.__sim = {
    ready: false,
    errors: [], // "<file>:<line>: <Name>: <message>" strings
    warnings: [], // what WeChat only logs (unhandled promise rejections)
    unsupported: [], // wx APIs the host or the container do not support, by name
    route: () => (C.runtime ? C.runtime.currentRoute() : null),
  };

  /** An error whose message already names the app file (and line) at fault. */
  class AppError extends Error {
    constructor(file, line, message) {
      super(message);
      this.name = 'AppError';
      this.file = file;
      this.line = line;
    }
  }

  /** "pages/index/index.js:12" for the innermost app frame of a stack, or null. */
  function appFrame(stack) {
    const match = /app:\/\/\/([^\s):]+):(\d+)/.exec(String(stack || ''));
    return match ? `${match[1]}:${Number(match[2]) - C.APP_LINE_OFFSET}` : null;
  }

  /** "container/wx.js:40" for the innermost container frame (a bug of the sim itself), or null. */
  function containerFrame(stack) {
    const match = /\/(container\/[\w.-]+\.js):(\d+)/.exec(String(stack || ''));
    return match ? `sim ${match[1]}:${match[2]}` : null;
  }
  C.APP_LINE_OFFSET = 0; // set by runtime.js: lines `new Function` adds before the app's code

  function describe(error) {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return `uncaught value: ${String(error)}`;
  }

  /**
   * Record an error of the app (or of the container while running the app).
   * `file` names the app file when the stack cannot (a WXML file, a handler), `during` says what
   * ran: report(err, {file: 'pages/index/index.js', during: 'onLoad'}).
   */
  function report(error, { file = null, during = null } = {}) {
    let place;
    if (error instanceof AppError) place = error.line ? `${error.file}:${error.line}` : error.file;
    else place = appFrame(error && error.stack) || file || containerFrame(error && error.stack) || 'unknown file';
    const what = error instanceof AppError ? error.message : describe(error);
    const text = `${place}: ${what}${during ? ` (during ${during})` : ''}`;
    window.__sim.errors.push(text);
    console.error('[sim] ' + text, error);
    showBanner(text);
    return text;
  }

  function showBanner(text) {
    const host = document.getElementById('sim-errors');
    if (!host) return;
    const item = document.createElement('div');
    item.className = 'sim-error';
    item.textContent = text;
    host.appendChild(item);
  }

  /** Run app code; an exception is reported (never thrown on into the container). */
  function guard(context, fn) {
    try {
      return fn();
    } catch (error) {
      report(error, context);
      return undefined;
    }
  }

  // Exceptions that escape app code run later (timers, promise chains).
  window.addEventListener('error', (event) => {
    if (C.quietErrors) return; // runtime.js locating a syntax error on purpose
    report(event.error || new Error(event.message), { during: 'an uncaught exception' });
  });
  // WeChat only logs a rejection nobody handled (a promisified wx call that failed, an async handler's
  // error); the app goes on. So does the sim, except for its own "not supported" errors, which stay loud.
  window.addEventListener('unhandledrejection', (event) => {
    const reason = event.reason;
    if (reason instanceof AppError) {
      report(reason, { during: 'an unhandled promise rejection' });
      return;
    }
    const what = reason instanceof Error ? describe(reason) : JSON.stringify(reason);
    const place = appFrame(reason && reason.stack);
    window.__sim.warnings.push(`${place ? place + ': ' : ''}unhandled promise rejection: ${what}`);
    console.warn('[sim] unhandled promise rejection:', reason);
  });

  C.errors = { AppError, report, guard, appFrame };
})();
