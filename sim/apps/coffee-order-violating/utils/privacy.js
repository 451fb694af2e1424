// 用户必须同意隐私政策才能进入小程序
const KEY = 'ruixue_privacy_agreed'

function agreed() {
  return wx.getStorageSync(KEY) === true
}

function ask(onAgree) {
  wx.showModal({
    title: '隐私政策',
    content: '欢迎来到瑞雪咖啡！为了提供点单和外送服务，我们会收集你的手机号、收货地址和位置信息。请阅读并同意《瑞雪咖啡隐私政策》。',
    cancelText: '不同意',
    confirmText: '同意',
    success: (res) => {
      if (res.confirm) {
        wx.setStorageSync(KEY, true)
        onAgree()
      } else {
        insist()
      }
    }
  })
}

// 不同意就无法继续：提示后重新进入首页，再次弹出隐私政策
function insist() {
  wx.showModal({
    title: '温馨提示',
    content: '不同意《瑞雪咖啡隐私政策》将无法使用点单服务，请同意后继续。',
    showCancel: false,
    confirmText: '去同意',
    success: () => wx.reLaunch({ url: '/pages/index/index' })
  })
}

module.exports = { agreed, ask }
