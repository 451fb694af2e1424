Page({
  data: {
    plans: [
      { id: 1, name: '交强险 + 三者 200 万', price: '约 2380 元/年' },
      { id: 2, name: '全险套餐（车损 + 三者 300 万）', price: '约 4960 元/年' }
    ],
    picked: ''
  },

  onPlan(e) {
    this.setData({ picked: e.currentTarget.dataset.name })
  }
})
