Page({
  data: {
    goods: [
      { id: 1, name: '保温杯 500ml', price: 59 },
      { id: 2, name: '乳胶枕 一对装', price: 129 }
    ]
  },
  onGoods(e) {
    wx.navigateTo({ url: '/pages/goods/goods?id=' + e.currentTarget.dataset.id })
  }
})
