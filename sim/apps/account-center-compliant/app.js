App({
  // 账号信息为演示数据，本应用不调用任何隐私接口
  globalData: { phone: '138****8000', personalised: true }
})
