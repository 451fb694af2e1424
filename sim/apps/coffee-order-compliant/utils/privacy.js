// 隐私政策：用户可以同意，也可以拒绝；拒绝后仍可浏览菜单，下单时再说明需要的信息
const KEY = 'ruixue_privacy_choice'

function decided() {
  return !!wx.getStorageSync(KEY)
}

function ask(done) {
  wx.showModal({
    title: '隐私政策',
    content: '欢迎来到瑞雪咖啡！浏览菜单不需要任何个人信息。下单外送时，我们会在你确认后使用你填写的手机号和收货地址。详见《瑞雪咖啡隐私政策》。',
    cancelText: '不同意',
    confirmText: '同意',
    success: (res) => {
      wx.setStorageSync(KEY, res.confirm ? 'agree' : 'refuse')
      if (!res.confirm) wx.showToast({ title: '你可以继续浏览菜单', icon: 'none' })
      done(res.confirm)
    }
  })
}

module.exports = { decided, ask }
