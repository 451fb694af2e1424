App({
  globalData: { member: null }
})
