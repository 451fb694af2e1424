App({
  globalData: { runId: 'run_20261124_01' }
})
