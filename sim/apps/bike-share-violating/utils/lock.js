// 智能锁网关：长连接 TCP，协议为一行 JSON
const GATEWAY = { address: 'lock.qibei-bike.example', port: 9100 }

function unlock(order, done) {
  const tcp = wx.createTCPSocket()
  tcp.onConnect(() => {
    tcp.write(JSON.stringify(Object.assign({ cmd: 'unlock' }, order)) + '\n')
  })
  tcp.onMessage(() => {
    tcp.close()
    done(true)
  })
  tcp.onError(() => done(false))
  tcp.connect(GATEWAY)
}

module.exports = { unlock }
