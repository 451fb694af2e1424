App({
  globalData: { cart: [] },

  onLaunch() {
    // 隐私政策的确认放在首页处理
  }
})
