Page({
  data: {
    goods: [
      { id: 1, name: '保温杯 500ml', price: 59 },
      { id: 2, name: '乳胶枕 一对装', price: 129 }
    ]
  },
  onLoad() {
    // 无论“个性化推荐”开关如何，都上报浏览记录并请求个性化推荐
    wx.request({ url: 'https://api.legou.example/api/recommend?history=1,2' })
  },
  onGoods(e) {
    wx.navigateTo({ url: '/pages/goods/goods?id=' + e.currentTarget.dataset.id })
  }
})
