const shop = require('../../utils/shop.js')

// 启动即弹出营销弹窗，只有“立即抢购”，没有关闭按钮；也从不展示隐私政策
Page({
  data: { phone: '', tip: '', promo: true },

  onPhone(e) { this.setData({ phone: e.detail.value }) },
  onGo() { this.setData({ promo: false }) },

  onRemind() {
    shop.remind(this.data.phone, 'g-1024', (res) => {
      this.setData({ tip: res ? '到货后将短信提醒你' : '设置失败，请稍后重试' })
    })
  }
})
