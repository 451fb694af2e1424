const GOODS = { 1: ['保温杯 500ml', 59], 2: ['乳胶枕 一对装', 129] }
Page({
  data: { name: '', price: 0 },
  onLoad(query) {
    const [name, price] = GOODS[query.id] || ['商品', 0]
    this.setData({ name, price })
  },
  onCart() { wx.showToast({ title: '已加入购物车' }) },
  onBuy() { wx.navigateTo({ url: '/pages/orders/orders' }) }
})
