// Boot: open the host's event stream, fetch the app bundle, launch the app at ?path=... .
(() => {
  'use strict';
  const C = window.simContainer;

  /** ?path=pages/x/y&query=a%3D1 (WeChat's launch URL) or ?path=pages/x/y%3Fa%3D1; other params join the query. */
  function launchTarget(search) {
    const params = new URLSearchParams(search);
    const [path = '', inlineQuery = ''] = (params.get('path') || '').replace(/^\//, '').split('?');
    const query = Object.fromEntries(new URLSearchParams(inlineQuery));
    Object.assign(query, Object.fromEntries(new URLSearchParams(params.get('query') || '')));
    for (const [key, value] of params) if (key !== 'path' && key !== 'query') query[key] = value;
    return { path, query };
  }

  async function boot() {
    document.querySelector('wx-nav-bar .back').addEventListener('click', () => C.runtime.navigate('navigateBack', { delta: 1 }));
    C.dom.listen(document.getElementById('pages'));
    await C.bridge.connect();
    const response = await fetch('/app/bundle.json');
    if (!response.ok) throw new Error(`GET /app/bundle.json answered HTTP ${response.status}`);
    C.runtime.launch(await response.json(), launchTarget(location.search));
  }

  boot().catch((error) => {
    C.errors.report(error, { during: 'the launch' });
    window.__sim.ready = true; // the driver stops waiting; __sim.errors says why
  });
})();
