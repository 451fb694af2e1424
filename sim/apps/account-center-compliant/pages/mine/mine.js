Page({
  data: { phone: getApp().globalData.phone }
})
