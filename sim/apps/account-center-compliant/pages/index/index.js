const API = 'https://api.legou.example/api/'

Page({
  data: {
    personalised: true,
    goods: [
      { id: 1, name: '保温杯 500ml', price: 59 },
      { id: 2, name: '乳胶枕 一对装', price: 129 }
    ]
  },
  onLoad() {
    // 关闭个性化推荐后只请求热门商品，不再上报浏览记录
    const personalised = wx.getStorageSync('personalised') !== false
    this.setData({ personalised })
    wx.request({ url: personalised ? API + 'recommend?history=1,2' : API + 'goods/hot' })
  },
  onGoods(e) {
    wx.navigateTo({ url: '/pages/goods/goods?id=' + e.currentTarget.dataset.id })
  }
})
