App({
  globalData: {},

  onLaunch() {
    // 启动时不收集任何信息：隐私政策同意前不调用定位、不上报
  }
})
