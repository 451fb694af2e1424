App({
  globalData: { userId: 'u_20481' }
})
