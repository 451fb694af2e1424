// 申请一个权限，结果用 Promise 返回
function authorize(scope) {
  return new Promise((resolve) => {
    wx.authorize({ scope, success: () => resolve(true), fail: () => resolve(false) })
  })
}

module.exports = { authorize }
